/* lab_scenarios.c - placeholder */
typedef int lab_scenarios_unused;
