/*
 * records_diff.h - read a capture file through synscope's record reader
 * and through libpcap's, and say where they differ (check_capture.c and
 * the fuzz_records harness).
 */
#ifndef RECORDS_DIFF_H
#define RECORDS_DIFF_H

#include <stdbool.h>
#include <stddef.h>

struct records_result {
	size_t		 records;	/* read alike both ways */
	bool		 ours;		/* synscope read the records itself */
	int		 end;		/* 0 end of file, -1 an error (or
					   the file did not open), 1 a record
					   longer than the snapshot length */
	char		 err[512];	/* the error, when end is -1 */
};

/*
 * Read path both ways.  Returns NULL when the two agree, else what
 * differs (in a static buffer).  A record longer than the snapshot
 * length ends the reading: synscope stops there, libpcap cuts it down to
 * the snapshot length (or fails, past the largest length it takes).
 */
const char	*records_diff(const char *path, struct records_result *res);

#endif
