/* lab_raw.c - placeholder */
typedef int lab_raw_unused;
