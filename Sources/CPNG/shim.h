#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
/* 8-bit PNGs go through libpng's simplified API (png_image), which reports errors
 * through return values. 16-bit PNGs go through the classic API, whose errors
 * longjmp: the helper below catches them inside C, so Swift only sees a return code. */
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <setjmp.h>

struct cpng_reader { const unsigned char *data; size_t size; size_t offset; };
struct cpng_error { jmp_buf jump; char message[200]; };

static inline void cpng_read_fn(png_structp png, png_bytep out, size_t n) {
    struct cpng_reader *r = (struct cpng_reader *)png_get_io_ptr(png);
    if (n > r->size - r->offset) png_error(png, "unexpected end of data");
    memcpy(out, r->data + r->offset, n);
    r->offset += n;
}

static inline void cpng_error_fn(png_structp png, png_const_charp text) {
    struct cpng_error *e = (struct cpng_error *)png_get_error_ptr(png);
    strncpy(e->message, text ? text : "libpng error", sizeof e->message - 1);
    e->message[sizeof e->message - 1] = 0;
    longjmp(e->jump, 1);
}

static inline void cpng_warning_fn(png_structp png, png_const_charp text) { (void)png; (void)text; }

/* Decodes a 16-bit PNG with the classic API: samples scaled to 8 bits as they are
 * (no gamma conversion: 16-bit files are taken as sRGB-encoded, as browsers do),
 * palette/gray expanded to RGB, tRNS turned into alpha, and alpha composited onto
 * white. The simplified API is not used for these: libpng 1.6.39 as Debian ships it
 * (with the png_image_finish_read overflow fix) returns wrong pixels for interlaced
 * 16-bit files read into 8-bit buffers (pnggroup/libpng#853). */
static inline int cpng_decode_rgb16(const unsigned char *data, size_t size,
                                    unsigned char **out, unsigned *width, unsigned *height,
                                    char *message, size_t message_size) {
    struct cpng_reader reader = { data, size, 0 };
    struct cpng_error err;
    err.message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, cpng_error_fn, cpng_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *volatile rgba = NULL;
    png_bytep *volatile rows = NULL;
    unsigned char *volatile rgb = NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        if (message_size) { strncpy(message, "out of memory", message_size - 1); message[message_size - 1] = 0; }
        return -1;
    }
    if (setjmp(err.jump)) {
        if (message_size) { strncpy(message, err.message, message_size - 1); message[message_size - 1] = 0; }
        png_destroy_read_struct(&png, &info, NULL);
        free(rgba);
        free(rows);
        free(rgb);
        return -1;
    }
    png_set_read_fn(png, &reader, cpng_read_fn);
    png_read_info(png, info);
    png_set_expand(png);
    png_set_scale_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * 4) png_error(png, "unexpected row layout");
    rgba = (unsigned char *)malloc(rowbytes * h + 1);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h + 1);
    rgb = (unsigned char *)malloc((size_t)w * h * 3 + 1);
    if (!rgba || !rows || !rgb) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = rgba + rowbytes * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        unsigned a = rgba[4 * i + 3];
        for (int c = 0; c < 3; c++) rgb[3 * i + c] = (unsigned char)((rgba[4 * i + c] * a + 255 * (255 - a) + 127) / 255);
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(rgba);
    free(rows);
    *out = rgb;
    *width = w;
    *height = h;
    return 0;
}

/* Decodes a PNG from memory to packed 8-bit RGB: every colour type, bit depth and
 * interlacing; transparency (alpha channel, tRNS, palette alpha) is composited onto
 * white, as a viewer shows a product cut-out. `max_pixels` > 0 refuses pictures
 * whose header declares more pixels, so that a small file cannot claim gigabytes of
 * memory. On success returns 0 and stores a malloc'ed buffer (free with free());
 * on failure returns -1 and copies the reason into `message`. */
static inline int cpng_decode_rgb(const unsigned char *data, size_t size, unsigned long long max_pixels,
                                  unsigned char **out, unsigned *width, unsigned *height,
                                  char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    *out = NULL;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        if (message_size) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
        png_image_free(&image);
        return -1;
    }
    if (max_pixels > 0 && (unsigned long long)image.width * image.height > max_pixels) {
        snprintf(message, message_size, "the image is %u x %u pixels, more than %llu",
                 (unsigned)image.width, (unsigned)image.height, max_pixels);
        png_image_free(&image);
        return -1;
    }
    if (image.format & PNG_FORMAT_FLAG_LINEAR) { /* a 16-bit file */
        png_image_free(&image);
        return cpng_decode_rgb16(data, size, out, width, height, message, message_size);
    }
    image.format = PNG_FORMAT_RGB;
    size_t bytes = PNG_IMAGE_SIZE(image);
    unsigned char *buffer = (unsigned char *)malloc(bytes ? bytes : 1);
    if (!buffer) {
        if (message_size) { strncpy(message, "out of memory", message_size - 1); message[message_size - 1] = 0; }
        png_image_free(&image);
        return -1;
    }
    png_color white = { 255, 255, 255 };
    if (!png_image_finish_read(&image, &white, buffer, 0, NULL)) {
        if (message_size) { strncpy(message, image.message, message_size - 1); message[message_size - 1] = 0; }
        free(buffer);
        png_image_free(&image);
        return -1;
    }
    *out = buffer;
    *width = image.width;
    *height = image.height;
    return 0;
}

/* Encodes packed 8-bit RGB as PNG into a malloc'ed buffer (free with free()). Returns 0 on success. */
static inline int cpng_encode_rgb(const unsigned char *rgb, unsigned width, unsigned height,
                                  unsigned char **out, size_t *out_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    *out = NULL;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, rgb, 0, NULL)) return -1;
    unsigned char *buffer = (unsigned char *)malloc(size);
    if (!buffer) return -1;
    if (!png_image_write_to_memory(&image, buffer, &size, 0, rgb, 0, NULL)) { free(buffer); return -1; }
    *out = buffer;
    *out_size = size;
    return 0;
}
#endif
