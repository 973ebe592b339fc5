/*
 * view.h - the live view (model and formatting; curses lives in view_tty.c).
 */
#ifndef SYNSCOPE_VIEW_H
#define SYNSCOPE_VIEW_H
#endif
