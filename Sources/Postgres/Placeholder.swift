package struct _P {}
