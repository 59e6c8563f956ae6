#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H
/* libjpeg reports fatal errors by calling error_exit, which must not return:
 * these helpers catch it with setjmp/longjmp inside C, so Swift only ever sees
 * a return code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct cjpeg_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static inline void cjpeg_error_exit(j_common_ptr cinfo) {
    struct cjpeg_error_manager *err = (struct cjpeg_error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static inline void cjpeg_silence(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

/* Decodes a JPEG from memory to packed 8-bit RGB. `min_side` > 0 lets libjpeg
 * scale down by 1/2, 1/4 or 1/8 in the DCT while the shorter side stays
 * >= min_side, which is far cheaper than decoding at full size. Returns 0 and a
 * malloc'ed buffer (free with free()), or -1 with libjpeg's message. */
static inline int cjpeg_decode_rgb(const unsigned char *data, size_t size, unsigned min_side,
                                   unsigned char **out, unsigned *width, unsigned *height,
                                   char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct cjpeg_error_manager err;
    unsigned char *volatile buffer = NULL;
    *out = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cjpeg_error_exit;
    err.base.emit_message = cjpeg_silence;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        if (message_size) { strncpy(message, err.message, message_size - 1); message[message_size - 1] = 0; }
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    unsigned shorter = cinfo.image_width < cinfo.image_height ? cinfo.image_width : cinfo.image_height;
    unsigned denom = 1;
    if (min_side > 0) {
        while (denom < 8 && shorter / (denom * 2) >= min_side) denom *= 2;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    buffer = (unsigned char *)malloc(stride * cinfo.output_height + 1);
    if (!buffer) { jpeg_destroy_decompress(&cinfo); return -1; }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    *width = cinfo.output_width;
    *height = cinfo.output_height;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *out = buffer;
    return 0;
}

/* Encodes packed 8-bit RGB as a baseline JPEG into a malloc'ed buffer (free with free()). Returns 0 on success. */
static inline int cjpeg_encode_rgb(const unsigned char *rgb, unsigned width, unsigned height, int quality,
                                   unsigned char **out, size_t *out_size) {
    struct jpeg_compress_struct cinfo;
    struct cjpeg_error_manager err;
    unsigned char *mem = NULL;
    unsigned long mem_size = 0;
    *out = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cjpeg_error_exit;
    err.base.emit_message = cjpeg_silence;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(mem);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &mem, &mem_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = mem;
    *out_size = mem_size;
    return 0;
}
#endif
