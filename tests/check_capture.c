/*
 * check_capture.c - unit tests of the capture layer's savefile records.
 *
 * A classic pcap file's records are read by synscope itself once libpcap
 * has checked the file header (src/capture.c, rr_next).  These tests read
 * the same files both ways, through synscope's reader and through
 * libpcap's (ss_capture_opts.libpcap_records), and require the same
 * records, time stamps, bytes and errors from both: every capture shipped
 * with the tests, crafted files for each variant of the format (swapped,
 * nanosecond, the modified format, old versions with swapped lengths, a
 * swapped Linux cooked capture carrying CAN, records larger than the read
 * buffer, truncations), and random files.  Where the two differ on
 * purpose (a record longer than the snapshot length: libpcap cuts it,
 * synscope stops at it) that is checked too.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "check_suites.h"
#include "records_diff.h"
#include "synscope/capture.h"

#define MAX_SANE	262144		/* libpcap's largest caplen */

/* A growing byte buffer for a crafted file. */
struct fbuf {
	unsigned char	*b;
	size_t		 n, cap;
};

static void
fb_put(struct fbuf *f, const void *p, size_t n)
{
	if (f->n + n > f->cap) {
		f->cap = (f->n + n) * 2;
		f->b = realloc(f->b, f->cap);
		ck_assert_ptr_nonnull(f->b);
	}
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
fb_u32(struct fbuf *f, uint32_t v, bool swapped)
{
	if (swapped)
		v = __builtin_bswap32(v);
	fb_put(f, &v, 4);
}

static void
fb_u16(struct fbuf *f, uint16_t v, bool swapped)
{
	if (swapped)
		v = __builtin_bswap16(v);
	fb_put(f, &v, 2);
}

/* A file header: magic as the writer's native int, so swapped writes it
 * in the other byte order. */
static void
fb_header(struct fbuf *f, uint32_t magic, bool swapped, uint16_t major,
    uint16_t minor, uint32_t snaplen, uint32_t linktype)
{
	fb_u32(f, magic, swapped);
	fb_u16(f, major, swapped);
	fb_u16(f, minor, swapped);
	fb_u32(f, 0, swapped);
	fb_u32(f, 0, swapped);
	fb_u32(f, snaplen, swapped);
	fb_u32(f, linktype, swapped);
}

/* A record header (24 bytes in the modified format), then caplen bytes. */
static void
fb_record(struct fbuf *f, bool swapped, bool modified, uint32_t sec,
    uint32_t frac, uint32_t caplen, uint32_t len, const unsigned char *data,
    size_t ndata)
{
	fb_u32(f, sec, swapped);
	fb_u32(f, frac, swapped);
	fb_u32(f, caplen, swapped);
	fb_u32(f, len, swapped);
	if (modified) {
		fb_u32(f, 7, swapped);		/* ifindex */
		fb_u16(f, 0x0800, swapped);	/* protocol */
		fb_put(f, "\x00\x00", 2);	/* pkt_type, pad */
	}
	fb_put(f, data, ndata);
}

static char *
write_file(const struct fbuf *f)
{
	char *path = strdup("/tmp/check-capture-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, f->b, f->n), (ssize_t)f->n);
	close(fd);
	return path;
}

/* Read path both ways; they must agree. */
static struct records_result
compare_file(const char *path)
{
	struct records_result r;
	const char *diff = records_diff(path, &r);

	ck_assert_msg(diff == NULL, "%s", diff);
	return r;
}

static bool
is_classic_pcap(const char *path)
{
	unsigned char m[4];
	uint32_t v;
	FILE *fp = fopen(path, "rb");
	bool yes;

	if (fp == NULL)
		return false;
	yes = fread(m, 1, 4, fp) == 4;
	fclose(fp);
	memcpy(&v, m, 4);
	return yes && (v == 0xa1b2c3d4 || v == 0xd4c3b2a1 ||
	    v == 0xa1b23c4d || v == 0x4d3cb2a1 || v == 0xa1b2cd34 ||
	    v == 0x34cdb2a1);
}

/* Every capture in one directory of the source tree; how many were pcap. */
static size_t
compare_dir(const char *sub, size_t *records)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], path[2048];
	struct dirent *de;
	struct records_result o;
	size_t ours = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", top != NULL ? top : ".", sub);
	d = opendir(dir);
	ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".pcap") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		o = compare_file(path);
		/* a regular classic pcap file that opens is read here */
		if (o.end != -1 || o.records > 0)
			ck_assert_msg(o.ours == is_classic_pcap(path),
			    "%s: records read %s", path,
			    o.ours ? "here" : "by libpcap");
		ours += o.ours;
		*records += o.records;
	}
	closedir(d);
	return ours;
}

START_TEST(test_records_shipped)
{
	size_t records = 0, ours;

	ours = compare_dir("tests/corpus", &records);
	ours += compare_dir("tests/pcap", &records);
	ours += compare_dir("captures", &records);
	/* the directories hold some 90 pcap files, 10,000s of records */
	ck_assert_uint_ge(ours, 80);
	ck_assert_uint_ge(records, 20000);
}
END_TEST

/* A 54-byte Ethernet/IPv4/TCP frame, its bytes varied by n. */
static void
frame_bytes(unsigned char *f, size_t len, unsigned n)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (unsigned char)(i * 7 + n);
	if (len >= 14) {
		f[12] = 0x08;
		f[13] = 0x00;
	}
}

/* One variant of the format: same records either way, then its end. */
static struct records_result
check_variant(struct fbuf *f)
{
	struct records_result o;
	char *path = write_file(f);

	o = compare_file(path);
	ck_assert_msg(o.ours, "%s: not read here", path);
	unlink(path);
	free(path);
	free(f->b);
	memset(f, 0, sizeof(*f));
	return o;
}

/* The same, and the number of records and the end expected. */
static struct records_result
check_variant_ends(struct fbuf *f, size_t records, int end)
{
	struct records_result o = check_variant(f);

	ck_assert_uint_eq(o.records, records);
	ck_assert_int_eq(o.end, end);
	return o;
}

START_TEST(test_records_variants)
{
	static const struct {
		uint32_t magic;
		bool swapped, modified;
	} magics[] = {
		{ 0xa1b2c3d4, false, false }, { 0xa1b2c3d4, true, false },
		{ 0xa1b23c4d, false, false }, { 0xa1b23c4d, true, false },
		{ 0xa1b2cd34, false, true }, { 0xa1b2cd34, true, true },
	};
	unsigned char fr[2048];
	struct fbuf f = { NULL, 0, 0 };
	struct records_result o;
	size_t i;
	unsigned k;

	/* each magic, both byte orders, odd times, a frame of each size */
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		fb_header(&f, magics[i].magic, magics[i].swapped, 2, 4, 1600,
		    DLT_EN10MB);
		for (k = 0; k < 300; k++) {
			frame_bytes(fr, k * 5, k);
			fb_record(&f, magics[i].swapped, magics[i].modified,
			    k == 7 ? 0x80000000u : 1700000000u + k,
			    k == 9 ? 0xffffffffu : k * 3331u, k * 5, k * 5 + k,
			    fr, k * 5);
		}
		o = check_variant_ends(&f, 300, 0);
	}

	/* the modified format: the snapshot length is 14 longer */
	fb_header(&f, 0xa1b2cd34, false, 2, 4, 100, DLT_EN10MB);
	frame_bytes(fr, 114, 1);
	fb_record(&f, false, true, 1, 2, 114, 200, fr, 114);
	o = check_variant_ends(&f, 1, 0);

	/* 2.3: caplen and len swapped where caplen > len; 2.2: always */
	for (k = 2; k <= 3; k++) {
		fb_header(&f, 0xa1b2c3d4, false, 2, (uint16_t)k, 1600,
		    DLT_EN10MB);
		frame_bytes(fr, 60, k);
		fb_record(&f, false, false, 1, 0, 100, 60, fr, 60);
		fb_record(&f, false, false, 2, 0, 60, 60, fr, 60);
		o = check_variant_ends(&f, 2, 0);
	}

	/* a swapped cooked capture: libpcap swaps a CAN frame's id */
	for (k = 0; k < 2; k++) {
		unsigned hl = k == 0 ? 16 : 20;

		fb_header(&f, 0xa1b2c3d4, true, 2, 4, 1600,
		    k == 0 ? DLT_LINUX_SLL : DLT_LINUX_SLL2);
		memset(fr, 0, sizeof(fr));
		fr[k == 0 ? 15 : 1] = 0x0c;		/* CAN */
		memcpy(fr + hl, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		fb_record(&f, true, false, 1, 0, hl + 8, hl + 8, fr, hl + 8);
		fr[k == 0 ? 15 : 1] = 0x0d;		/* CAN FD */
		fb_record(&f, true, false, 2, 0, hl + 8, hl + 8, fr, hl + 8);
		fr[k == 0 ? 15 : 1] = 0x0d;		/* too short for the id */
		fb_record(&f, true, false, 3, 0, hl + 3, hl + 8, fr, hl + 3);
		fr[k == 0 ? 15 : 1] = 0x08;		/* not CAN */
		fb_record(&f, true, false, 4, 0, hl + 8, hl + 8, fr, hl + 8);
		o = check_variant(&f);
		ck_assert_uint_eq(o.records, 4);
	}

	/*
	 * Records larger than the read buffer's usual fill, and records
	 * across its every boundary: 260,000-byte frames between small ones.
	 */
	{
		unsigned char *big = malloc(MAX_SANE);

		ck_assert_ptr_nonnull(big);
		fb_header(&f, 0xa1b2c3d4, false, 2, 4, 0, DLT_EN10MB);
		for (k = 0; k < 40; k++) {
			size_t n = k % 4 == 3 ? 260000 + k : 1 + k * 977 % 9000;

			frame_bytes(big, n, k);
			fb_record(&f, false, false, k, 0, (uint32_t)n,
			    (uint32_t)n, big, n);
		}
		free(big);
		o = check_variant_ends(&f, 40, 0);
	}

	/* the end of a file within a record header, and within its data */
	fb_header(&f, 0xa1b2c3d4, false, 2, 4, 1600, DLT_EN10MB);
	frame_bytes(fr, 60, 3);
	fb_record(&f, false, false, 1, 0, 60, 60, fr, 60);
	fb_put(&f, "\x01\x02\x03\x04\x05", 5);
	o = check_variant_ends(&f, 1, -1);
	ck_assert_str_eq(o.err, "truncated dump file; tried to read 16 header "
	    "bytes, only got 5");
	fb_header(&f, 0xa1b2c3d4, false, 2, 4, 1600, DLT_EN10MB);
	fb_record(&f, false, false, 1, 0, 60, 60, fr, 60);
	fb_record(&f, false, false, 1, 0, 60, 60, fr, 33);
	o = check_variant_ends(&f, 1, -1);
	ck_assert_str_eq(o.err, "truncated dump file; tried to read 60 "
	    "captured bytes, only got 33");

	/*
	 * A snapshot length past the largest record libpcap reads (262,144
	 * bytes): it keeps it, and fails on a record longer than that.
	 */
	fb_header(&f, 0xa1b2c3d4, false, 2, 4, 6579572, DLT_NULL);
	fb_record(&f, false, false, 1, 0, 60, 60, fr, 60);
	fb_record(&f, false, false, 2, 0, MAX_SANE + 2, MAX_SANE + 2, fr, 16);
	o = check_variant_ends(&f, 1, -1);
	ck_assert_str_eq(o.err, "invalid packet capture length 262146, "
	    "bigger than maximum of 262144");

	/* longer than the snapshot length: libpcap cuts it, or fails */
	for (k = 0; k < 2; k++) {
		fb_header(&f, 0xa1b2c3d4, false, 2, 4, 100, DLT_EN10MB);
		fb_record(&f, false, false, 1, 0, 60, 60, fr, 60);
		fb_record(&f, false, false, 2, 0, k == 0 ? 200 : 300000, 1500,
		    fr, 0);
		if (k == 0) {
			fb_put(&f, fr, 200);
			fb_record(&f, false, false, 3, 0, 60, 60, fr, 60);
		}
		o = check_variant_ends(&f, 1, 1);
	}
}
END_TEST

/*
 * After a record longer than the snapshot length, as after an error,
 * nothing more is read: the bytes that follow are not taken for records.
 */
START_TEST(test_records_stop)
{
	unsigned char fr[256];
	struct fbuf f = { NULL, 0, 0 };
	struct ss_capture_opts co;
	struct ss_capture *c;
	struct pcap_pkthdr h;
	const unsigned char *d;
	char err[256], warn[256], *path;
	uint32_t cut;
	int status, k;

	for (k = 0; k < 2; k++) {
		fb_header(&f, 0xa1b2c3d4, false, 2, 4, k == 0 ? 100 : 6579572,
		    DLT_EN10MB);
		frame_bytes(fr, 60, 1);
		fb_record(&f, false, false, 1, 0, 60, 60, fr, 60);
		if (k == 0) {
			/* cut: its 200 bytes hold a valid record header */
			fb_record(&f, false, false, 2, 0, 200, 200, fr, 0);
			fb_record(&f, false, false, 3, 0, 60, 60, fr, 60);
			fb_record(&f, false, false, 4, 0, 60, 60, fr, 60);
			fb_put(&f, fr, 200 - 2 * 76);
		} else {
			/* an error: longer than libpcap reads, then records */
			fb_record(&f, false, false, 2, 0, MAX_SANE + 2,
			    MAX_SANE + 2, fr, 0);
			fb_record(&f, false, false, 3, 0, 60, 60, fr, 60);
			fb_record(&f, false, false, 4, 0, 60, 60, fr, 60);
		}
		path = write_file(&f);
		memset(&co, 0, sizeof(co));
		co.file = path;
		c = ss_capture_open(&co, err, sizeof(err), warn, sizeof(warn),
		    &status);
		ck_assert_msg(c != NULL, "%s", err);
		ck_assert(ss_capture_reads_records(c));
		ck_assert_int_eq(ss_capture_next(c, &h, &d, &cut), 1);
		ck_assert_uint_eq(cut, 0);
		if (k == 0) {
			ck_assert_int_eq(ss_capture_next(c, &h, &d, &cut), 1);
			ck_assert_uint_eq(cut, 200);
		} else
			ck_assert_int_eq(ss_capture_next(c, &h, &d, &cut), -1);
		ck_assert_int_eq(ss_capture_next(c, &h, &d, &cut), -1);
		ck_assert_int_eq(ss_capture_next(c, &h, &d, &cut), -1);
		ss_capture_close(c);
		unlink(path);
		free(path);
		free(f.b);
		memset(&f, 0, sizeof(f));
	}
}
END_TEST

/* Random files, both ways: the same records, the same end. */
START_TEST(test_records_random)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xa1b23c4d,
	    0xa1b2cd34 };
	static const uint32_t snaps[] = { 0, 64, 1514, 65535, 262144,
	    300000 };
	static const uint32_t links[] = { DLT_EN10MB, DLT_LINUX_SLL,
	    DLT_LINUX_SLL2, 101 };
	unsigned char fr[4096];
	struct fbuf f = { NULL, 0, 0 };
	struct records_result o;
	unsigned seed = 12345, i, k, n, ends[3] = { 0, 0, 0 };
	size_t records = 0;

	for (i = 0; i < 400; i++) {
		uint32_t magic = magics[rand_r(&seed) % 3];
		bool sw = rand_r(&seed) % 2, mod = magic == 0xa1b2cd34;
		uint32_t snap = snaps[rand_r(&seed) % 6];

		fb_header(&f, magic, sw, 2, (uint16_t)(2 + rand_r(&seed) % 3),
		    snap, links[rand_r(&seed) % 4]);
		n = (unsigned)rand_r(&seed) % 200;
		for (k = 0; k < n; k++) {
			uint32_t cap = (uint32_t)rand_r(&seed) % 1600;
			uint32_t len = cap + (uint32_t)rand_r(&seed) % 100;

			if (rand_r(&seed) % 50 == 0)
				len = cap / 2;		/* caplen > len */
			if (rand_r(&seed) % 100 == 0)
				cap = 70 + (uint32_t)rand_r(&seed) % 2000;
			/* CAN, CAN FD or not, for SLL (14) and SLL2 (0) */
			frame_bytes(fr, cap, k);
			fr[0] = fr[14] = 0;
			fr[1] = fr[15] = (unsigned char)(0x0c + k % 3);
			fb_record(&f, sw, mod, (uint32_t)rand_r(&seed) * 2u,
			    (uint32_t)rand_r(&seed), cap, len, fr, cap);
		}
		/* sometimes cut the file anywhere after its header */
		if (rand_r(&seed) % 3 == 0 && f.n > 24)
			f.n = 24 + (size_t)rand_r(&seed) % (f.n - 24);
		o = check_variant(&f);
		ends[o.end + 1]++;
		records += o.records;
	}
	/* every kind of end came up, and records in numbers */
	ck_assert_uint_gt(ends[0], 20);
	ck_assert_uint_gt(ends[1], 20);
	ck_assert_uint_gt(ends[2], 20);
	ck_assert_uint_gt(records, 10000);
}
END_TEST

Suite *
make_capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("records");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_records_shipped);
	tcase_add_test(tc, test_records_variants);
	tcase_add_test(tc, test_records_stop);
	tcase_add_test(tc, test_records_random);
	suite_add_tcase(s, tc);
	return s;
}
