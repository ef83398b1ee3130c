/* Helpers shared by the codec files; not part of the public boundary. */
#ifndef AUGMENTD_IMAGE_CODECS_INTERNAL_H
#define AUGMENTD_IMAGE_CODECS_INTERNAL_H

#include "image_codecs.h"

void ic_set_message(char *message, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Appends bytes, growing geometrically. Returns 0 when out of memory. */
int ic_buffer_append(ic_buffer *buffer, const uint8_t *bytes, size_t count);
/* width * height * channels without overflow. Returns 0 when it would overflow. */
int ic_pixel_bytes(uint32_t width, uint32_t height, uint32_t channels, size_t *out);

#endif
