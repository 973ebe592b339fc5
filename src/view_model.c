/* view_model.c - placeholder */
typedef int view_model_unused;
