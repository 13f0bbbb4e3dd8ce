// The fuzz targets linked into fuzz-replay, by name; the table ends with a null entry.
#pragma once

#include <cstddef>
#include <cstdint>

struct ReplayTarget {
  const char* name;
  int (*run)(const std::uint8_t* data, std::size_t size);
};

extern const ReplayTarget kReplayTargets[];
