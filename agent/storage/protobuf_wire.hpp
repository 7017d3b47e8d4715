// The few pieces of the protobuf wire format that storage and remote write need: varints and
// length-delimited fields. Both encode into space the caller has already sized, so a message is
// written in one pass with no intermediate objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace autoscrape::storage::wire {

// A field key: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr char key(int field, int wire_type) { return static_cast<char>((field << 3) | wire_type); }

inline std::size_t varint_size(std::uint64_t v)
{
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

// Writes into space already reserved; returns the advanced pointer.
inline char* put_varint(char* p, std::uint64_t v)
{
    while (v >= 0x80) {
        *p++ = static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}

// A length-delimited field (key, length, bytes); returns the advanced pointer.
inline char* put_bytes(char* p, char field_key, std::string_view s)
{
    *p++ = field_key;
    p = put_varint(p, s.size());
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

// The size of a length-delimited field with a one-byte key and a body of `body` bytes.
inline std::size_t field_size(std::size_t body) { return 1 + varint_size(body) + body; }

// Reads a varint at `pos` and advances past it; false (pos unspecified) when the bytes end first or
// it runs past 64 bits.
inline bool get_varint(std::string_view data, std::size_t& pos, std::uint64_t& v)
{
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= data.size()) {
            return false;
        }
        const auto byte = static_cast<std::uint8_t>(data[pos++]);
        v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace autoscrape::storage::wire
