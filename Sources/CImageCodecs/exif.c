/* Just enough TIFF parsing to find the EXIF Orientation tag (0x0112) in IFD0. */
#include "image_codecs.h"

static uint32_t read16(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 8 | p[1]) : ((uint32_t)p[1] << 8 | p[0]);
}

static uint32_t read32(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                      : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

uint32_t ic_exif_orientation(const uint8_t *tiff, size_t size) {
    if (tiff == NULL || size < 8) return 0;
    int big_endian;
    if (tiff[0] == 'I' && tiff[1] == 'I') big_endian = 0;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big_endian = 1;
    else return 0;
    if (read16(tiff + 2, big_endian) != 42) return 0;
    uint32_t ifd = read32(tiff + 4, big_endian);
    /* Bounds are checked as "offset + length > size": size - length could wrap around. */
    if ((size_t)ifd + 2 > size) return 0;
    uint32_t entries = read16(tiff + ifd, big_endian);
    size_t first = (size_t)ifd + 2;
    for (uint32_t i = 0; i < entries; i++) {
        size_t entry = first + (size_t)i * 12;
        if (entry + 12 > size) return 0;
        uint32_t tag = read16(tiff + entry, big_endian);
        if (tag != 0x0112) continue;
        uint32_t type = read16(tiff + entry + 2, big_endian);
        uint32_t count = read32(tiff + entry + 4, big_endian);
        if (type != 3 || count != 1) return 0; /* must be one SHORT, stored inline */
        uint32_t value = read16(tiff + entry + 8, big_endian);
        return (value >= 1 && value <= 8) ? value : 0;
    }
    return 0;
}
