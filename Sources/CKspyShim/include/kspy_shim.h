int kspy_shim_placeholder(void);
