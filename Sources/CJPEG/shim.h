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
#include <jerror.h>

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

/* Warnings do not stop libjpeg (corrupt data is skipped, as viewers do), except a premature end of
 * data: libjpeg would fill the missing rows with grey and report success, so it becomes an error. */
static inline void cjpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) cinfo->err->error_exit(cinfo);
}

static inline void cjpeg_set_message(char *message, size_t message_size, const char *text) {
    if (message_size) { strncpy(message, text, message_size - 1); message[message_size - 1] = 0; }
}

/* Decodes a JPEG from memory to packed 8-bit RGB: YCbCr, RGB and grayscale through libjpeg's
 * colour conversion; CMYK and YCCK (converted to CMYK by libjpeg) with the naive
 * R = (1 - C)(1 - K) formulas. Files with an Adobe APP14 marker (Photoshop and most
 * CMYK writers) store CMYK inverted (0 = full ink), which is undone.
 *
 * `min_side` > 0 lets libjpeg scale down by 1/2, 1/4 or 1/8 in the DCT while the
 * shorter side stays >= min_side, which is far cheaper than decoding at full size.
 * `max_pixels` > 0 refuses pictures whose header declares more pixels (before
 * scaling), so that a small file cannot claim gigabytes of memory.
 * Returns 0 and a malloc'ed buffer (free with free()), or -1 with a message. */
static inline int cjpeg_decode_rgb(const unsigned char *data, size_t size, unsigned min_side,
                                   unsigned long long max_pixels,
                                   unsigned char **out, unsigned *width, unsigned *height,
                                   char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct cjpeg_error_manager err;
    unsigned char *volatile buffer = NULL;
    unsigned char *volatile row4 = NULL;
    *out = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cjpeg_error_exit;
    err.base.emit_message = cjpeg_emit_message;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        cjpeg_set_message(message, message_size, err.message);
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        free(row4);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (max_pixels > 0 && (unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(message, message_size, "the image is %u x %u pixels, more than %llu",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && cinfo.saw_Adobe_marker;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
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
    if (cmyk) row4 = (unsigned char *)malloc((size_t)cinfo.output_width * 4 + 1);
    if (!buffer || (cmyk && !row4)) {
        cjpeg_set_message(message, message_size, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        free(row4);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *rgb = buffer + stride * cinfo.output_scanline;
        JSAMPROW row = cmyk ? row4 : rgb;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) break;
        if (cmyk) {
            for (unsigned x = 0; x < cinfo.output_width; x++) {
                unsigned c = row4[4 * x], m = row4[4 * x + 1], y = row4[4 * x + 2], k = row4[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
                /* Now 255 means no ink: R = (1 - C)(1 - K), rounded. */
                rgb[3 * x] = (unsigned char)((c * k + 127) / 255);
                rgb[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
                rgb[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
            }
        }
    }
    *width = cinfo.output_width;
    *height = cinfo.output_height;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row4);
    *out = buffer;
    return 0;
}

/* Encodes packed 8-bit samples as a JPEG into a malloc'ed buffer (free with free()). Returns 0 on success.
 * `components`: 1 (grayscale), 3 (RGB) or 4 (CMYK samples, written as given). For 4 components,
 * `ycck` stores them as YCCK instead of CMYK and `adobe_marker` says whether to write the Adobe
 * APP14 marker (which makes readers treat the samples as inverted). `progressive` selects
 * libjpeg's default progressive scan script. Mostly for tests and benchmarks. */
static inline int cjpeg_encode(const unsigned char *pixels, unsigned width, unsigned height, int components,
                               int quality, int progressive, int ycck, int adobe_marker,
                               unsigned char **out, size_t *out_size) {
    struct jpeg_compress_struct cinfo;
    struct cjpeg_error_manager err;
    unsigned char *mem = NULL;
    unsigned long mem_size = 0;
    *out = NULL;
    if (components != 1 && components != 3 && components != 4) return -1;
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
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    if (components == 4) {
        jpeg_set_colorspace(&cinfo, ycck ? JCS_YCCK : JCS_CMYK);
        /* YCCK is only recognisable by the marker's transform flag, so it always gets one. */
        cinfo.write_Adobe_marker = (adobe_marker || ycck) ? TRUE : FALSE;
    }
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = mem;
    *out_size = mem_size;
    return 0;
}
#endif
