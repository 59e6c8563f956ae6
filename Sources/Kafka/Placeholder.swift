package struct _K {}
