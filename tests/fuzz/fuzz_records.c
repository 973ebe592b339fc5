/*
 * fuzz_records.c - libFuzzer harness for the savefile record reader.
 *
 * The input is a capture file.  It is read twice, through synscope's own
 * record reader (a classic pcap file's records, src/capture.c) and
 * through libpcap's, and any difference in the records, their bytes or
 * the errors aborts (tests/records_diff.c): a differential test against
 * libpcap, under the sanitizers for reads out of bounds.  The file lives
 * in memory (memfd_create()), opened by its /proc/self/fd path so that
 * it is a regular file, as the reader requires.
 *
 *   ./configure CC=clang --enable-fuzzing && make fuzz-records FUZZ_TIME=60
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../records_diff.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct records_result res;
	const char *diff;

	if (fd < 0) {
		fd = memfd_create("fuzz-records", 0);
		if (fd < 0) {
			perror("fuzz_records: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_records: writing the input");
		abort();
	}
	diff = records_diff(path, &res);
	if (diff != NULL) {
		fprintf(stderr, "fuzz_records: %s\n", diff);
		abort();
	}
	return 0;
}
