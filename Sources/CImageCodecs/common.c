#include "image_codecs.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ic_set_message(char *message, const char *format, ...) {
    if (message == NULL) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, IC_MESSAGE_CAPACITY, format, args);
    va_end(args);
}

int ic_buffer_append(ic_buffer *buffer, const uint8_t *bytes, size_t count) {
    if (count > SIZE_MAX - buffer->size) return 0;
    size_t needed = buffer->size + count;
    if (needed > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < needed) {
            if (capacity > SIZE_MAX / 2) return 0;
            capacity *= 2;
        }
        uint8_t *grown = realloc(buffer->data, capacity);
        if (grown == NULL) return 0;
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size = needed;
    return 1;
}

void ic_buffer_free(ic_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

int ic_pixel_bytes(uint32_t width, uint32_t height, uint32_t channels, size_t *out) {
    /* Overflow-checked width * height * channels. */
    uint64_t pixels = (uint64_t)width * (uint64_t)height; /* < 2^64 for 32-bit inputs */
    if (channels != 0 && pixels > UINT64_MAX / channels) return 0;
    uint64_t bytes = pixels * channels;
    if (bytes > (uint64_t)SIZE_MAX) return 0;
    *out = (size_t)bytes;
    return 1;
}
