#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
/* libpng's simplified API (png_image) reports errors through return values and
 * never longjmps into the caller, so Swift can call these helpers safely. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

/* Decodes a PNG from memory to packed 8-bit RGB (alpha composited on black by
 * libpng's colour-map-free RGB conversion). On success returns 0 and stores a
 * malloc'ed buffer (free with free()) and its size; on failure returns -1 and
 * copies libpng's message into `message`. */
static inline int cpng_decode_rgb(const unsigned char *data, size_t size,
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
    image.format = PNG_FORMAT_RGB;
    size_t bytes = PNG_IMAGE_SIZE(image);
    unsigned char *buffer = (unsigned char *)malloc(bytes ? bytes : 1);
    if (!buffer) { png_image_free(&image); return -1; }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
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
