/* view_fmt.c - placeholder */
typedef int view_fmt_unused;
