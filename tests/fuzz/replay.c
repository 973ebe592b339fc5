/*
 * replay.c - run fuzz_engine's harness over saved inputs, without
 * libFuzzer, so that "make check" (and its sanitizer build) replays the
 * seeds and every input a fuzzing run ever found crashing.
 *
 *   tests/fuzz_replay FILE...
 *
 * Exits 0 when every input ran; a crash or a sanitizer report ends it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, got;

		if (fp == NULL) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		do {
			if (len == cap) {
				uint8_t *nb;

				cap = cap ? cap * 2 : 65536;
				if ((nb = realloc(buf, cap)) == NULL) {
					fprintf(stderr, "fuzz_replay: out of "
					    "memory\n");
					free(buf);
					fclose(fp);
					return 1;
				}
				buf = nb;
			}
			got = fread(buf + len, 1, cap - len, fp);
			len += got;
		} while (got > 0);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		n++;
	}
	printf("fuzz_replay: %d inputs\n", n);
	return 0;
}
