/* view_tty.c - placeholder */
typedef int view_tty_unused;
