/* lab_netns.c - placeholder */
typedef int lab_netns_unused;
