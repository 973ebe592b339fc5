/*
 * lab.h - synscope-lab: TCP scenarios played in network namespaces.
 */
#ifndef SYNSCOPE_LAB_H
#define SYNSCOPE_LAB_H
#endif
