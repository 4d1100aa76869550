// CRC-32C (Castagnoli), as used by TFRecord/TensorBoard event files and by checkpoints.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tg {

uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
// TensorFlow's masked form, stored beside record lengths and payloads.
inline uint32_t mask_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace tg
