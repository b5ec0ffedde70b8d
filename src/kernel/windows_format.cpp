// wskemu: a printf engine with the Windows kernel's conventions.
#include "windows_format.hpp"

#include <cstdint>
#include <cstdio>
#include <type_traits>

namespace wskemu::kernel {

namespace {

constexpr char32_t replacement_char = 0xFFFD;

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

void append_wide(std::wstring& out, char32_t c) {
    if constexpr (sizeof(wchar_t) == 2) {
        if (c >= 0x10000) {
            c -= 0x10000;
            out.push_back(static_cast<wchar_t>(0xD800 + (c >> 10)));
            out.push_back(static_cast<wchar_t>(0xDC00 + (c & 0x3FF)));
            return;
        }
    }
    out.push_back(static_cast<wchar_t>(c));
}

// Length of a valid UTF-8 sequence starting at s[i], with its code point;
// 0 when the bytes there are not one.
std::size_t decode_utf8_at(std::string_view s, std::size_t i, char32_t& c) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        c = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        n = 2, c = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3, c = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 4, c = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    return n;
}

}  // namespace

std::string wide_to_utf8(std::wstring_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<char32_t>(static_cast<std::make_unsigned_t<wchar_t>>(text[i]));
        if (c >= 0xD800 && c <= 0xDBFF && sizeof(wchar_t) == 2 && i + 1 < text.size()) {
            const auto low = static_cast<char32_t>(static_cast<std::make_unsigned_t<wchar_t>>(text[i + 1]));
            if (low >= 0xDC00 && low <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                ++i;
            }
        }
        if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) {
            c = replacement_char;
        }
        append_utf8(out, c);
    }
    return out;
}

std::wstring utf8_to_wide(std::string_view text) {
    std::wstring out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t c = 0;
        const std::size_t n = decode_utf8_at(text, i, c);
        if (n == 0) {
            c = static_cast<unsigned char>(text[i]);  // Latin-1
            i += 1;
        } else {
            i += n;
        }
        append_wide(out, c);
    }
    return out;
}

namespace {

enum class size_modifier { none, hh, h, bits32, bits64, pointer, long_double, wide, narrow };

struct format_spec {
    bool minus = false;
    bool plus = false;
    bool space = false;
    bool hash = false;
    bool zero = false;
    int width = -1;
    int precision = -1;
    size_modifier size = size_modifier::none;
};

// One engine for both widths; CharT is the format and output character type.
// The argument list is used through a pointer to a copy (va_list may be an
// array type, which cannot be passed on safely by value).
template <class CharT>
class formatter {
public:
    using string_type = std::basic_string<CharT>;
    static constexpr bool wide_engine = std::is_same_v<CharT, wchar_t>;

    formatter(const CharT* format, va_list* args) : format_(format), args_(args) {}

    string_type run() {
        if (format_ == nullptr) {
            return out_;
        }
        const CharT* p = format_;
        while (*p != 0) {
            if (*p != '%') {
                out_.push_back(*p++);
                continue;
            }
            const CharT* spec_start = p++;
            if (*p == '%') {
                out_.push_back('%');
                ++p;
                continue;
            }
            p = convert(p, spec_start);
        }
        return out_;
    }

private:
    // Parses flags, width, precision and size after '%', then converts one
    // argument; returns where the format continues.
    const CharT* convert(const CharT* p, const CharT* spec_start) {
        format_spec spec;
        for (;; ++p) {
            if (*p == '-') {
                spec.minus = true;
            } else if (*p == '+') {
                spec.plus = true;
            } else if (*p == ' ') {
                spec.space = true;
            } else if (*p == '#') {
                spec.hash = true;
            } else if (*p == '0') {
                spec.zero = true;
            } else {
                break;
            }
        }
        if (*p == '*') {
            spec.width = va_arg(*args_, int);
            if (spec.width < 0) {
                spec.minus = true;
                spec.width = spec.width == INT32_MIN ? INT32_MAX : -spec.width;
            }
            ++p;
        } else {
            p = read_number(p, spec.width);
        }
        if (*p == '.') {
            ++p;
            if (*p == '*') {
                spec.precision = va_arg(*args_, int);
                if (spec.precision < 0) {
                    spec.precision = -1;
                }
                ++p;
            } else {
                spec.precision = 0;
                p = read_number(p, spec.precision);
            }
        }
        p = read_size(p, spec.size);
        const CharT conversion = *p;
        if (conversion == 0) {
            out_.append(spec_start, p);
            return p;
        }
        ++p;
        switch (conversion) {
        case 'd':
        case 'i':
            put_signed(spec);
            break;
        case 'u':
            put_unsigned(spec, 10, false);
            break;
        case 'o':
            put_unsigned(spec, 8, false);
            break;
        case 'x':
            put_unsigned(spec, 16, false);
            break;
        case 'X':
            put_unsigned(spec, 16, true);
            break;
        case 'p':
            put_pointer(spec);
            break;
        case 's':
            put_string(spec, string_is_wide(spec.size, wide_engine));
            break;
        case 'S':
            put_string(spec, string_is_wide(spec.size, !wide_engine));
            break;
        case 'Z':
            put_counted_string(spec);
            break;
        case 'c':
            put_char(spec, string_is_wide(spec.size, wide_engine));
            break;
        case 'C':
            put_char(spec, string_is_wide(spec.size, !wide_engine));
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            put_float(spec, static_cast<char>(conversion));
            break;
        case 'n':
            // Disabled in the Windows CRT by default; consume, write nothing.
            (void)va_arg(*args_, void*);
            break;
        default:
            out_.append(spec_start, p);
            break;
        }
        return p;
    }

    static const CharT* read_number(const CharT* p, int& value) {
        if (*p < '0' || *p > '9') {
            return p;
        }
        long long n = 0;
        while (*p >= '0' && *p <= '9') {
            n = n * 10 + (*p - '0');
            if (n > INT32_MAX) {
                n = INT32_MAX;
            }
            ++p;
        }
        value = static_cast<int>(n);
        return p;
    }

    static const CharT* read_size(const CharT* p, size_modifier& size) {
        switch (*p) {
        case 'h':
            if (p[1] == 'h') {
                size = size_modifier::hh;
                return p + 2;
            }
            size = size_modifier::h;
            return p + 1;
        case 'l':
            if (p[1] == 'l') {
                size = size_modifier::bits64;
                return p + 2;
            }
            size = size_modifier::wide;  // 32-bit for integers, wide for text
            return p + 1;
        case 'w':
            size = size_modifier::wide;
            return p + 1;
        case 'L':
            size = size_modifier::long_double;
            return p + 1;
        case 'I':
            if (p[1] == '6' && p[2] == '4') {
                size = size_modifier::bits64;
                return p + 3;
            }
            if (p[1] == '3' && p[2] == '2') {
                size = size_modifier::bits32;
                return p + 3;
            }
            size = size_modifier::pointer;
            return p + 1;
        case 'z':
        case 't':
            size = size_modifier::pointer;
            return p + 1;
        case 'j':
        case 'q':
            size = size_modifier::bits64;
            return p + 1;
        default:
            return p;
        }
    }

    static bool string_is_wide(size_modifier size, bool default_wide) {
        if (size == size_modifier::h || size == size_modifier::hh) {
            return false;
        }
        if (size == size_modifier::wide) {
            return true;
        }
        return default_wide;
    }

    void put_signed(const format_spec& spec) {
        long long value = 0;
        switch (spec.size) {
        case size_modifier::hh:
            value = static_cast<signed char>(va_arg(*args_, int));
            break;
        case size_modifier::h:
            value = static_cast<short>(va_arg(*args_, int));
            break;
        case size_modifier::bits64:
        case size_modifier::long_double:
            value = va_arg(*args_, long long);
            break;
        case size_modifier::pointer:
            value = static_cast<long long>(va_arg(*args_, intptr_t));
            break;
        default:  // none, l, w, I32: a 32-bit int on every host
            value = static_cast<int32_t>(va_arg(*args_, int));
            break;
        }
        const bool negative = value < 0;
        const unsigned long long magnitude =
            negative ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
        const char* sign = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
        put_integer(spec, magnitude, 10, false, sign);
    }

    void put_unsigned(const format_spec& spec, unsigned base, bool upper) {
        unsigned long long value = 0;
        switch (spec.size) {
        case size_modifier::hh:
            value = static_cast<unsigned char>(va_arg(*args_, unsigned int));
            break;
        case size_modifier::h:
            value = static_cast<unsigned short>(va_arg(*args_, unsigned int));
            break;
        case size_modifier::bits64:
        case size_modifier::long_double:
            value = va_arg(*args_, unsigned long long);
            break;
        case size_modifier::pointer:
            value = va_arg(*args_, uintptr_t);
            break;
        default:
            value = static_cast<uint32_t>(va_arg(*args_, unsigned int));
            break;
        }
        put_integer(spec, value, base, upper, "");
    }

    void put_integer(const format_spec& spec, unsigned long long value, unsigned base, bool upper,
                     const char* sign) {
        const char* digit_set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        std::string digits;
        for (unsigned long long v = value; v != 0; v /= base) {
            digits.insert(digits.begin(), digit_set[v % base]);
        }
        if (value == 0 && spec.precision != 0) {
            digits = "0";
        }
        if (spec.precision > 0 && digits.size() < static_cast<std::size_t>(spec.precision)) {
            digits.insert(0, static_cast<std::size_t>(spec.precision) - digits.size(), '0');
        }
        std::string prefix = sign;
        if (spec.hash && base == 8 && (digits.empty() || digits[0] != '0')) {
            digits.insert(digits.begin(), '0');
        } else if (spec.hash && base == 16 && value != 0) {
            prefix += upper ? "0X" : "0x";
        }
        std::size_t length = prefix.size() + digits.size();
        if (spec.zero && !spec.minus && spec.precision < 0 && spec.width > 0 &&
            length < static_cast<std::size_t>(spec.width)) {
            digits.insert(0, static_cast<std::size_t>(spec.width) - length, '0');
        }
        put_padded_ascii(spec, prefix + digits);
    }

    void put_pointer(const format_spec& spec) {
        const auto value = reinterpret_cast<uintptr_t>(va_arg(*args_, void*));
        std::string digits(sizeof(void*) * 2, '0');
        uintptr_t v = value;
        for (std::size_t i = digits.size(); i-- > 0; v >>= 4) {
            digits[i] = "0123456789ABCDEF"[v & 0xF];
        }
        put_padded_ascii(spec, digits);
    }

    void put_float(const format_spec& spec, char conversion) {
        std::string rebuilt = "%";
        if (spec.minus) rebuilt += '-';
        if (spec.plus) rebuilt += '+';
        if (spec.space) rebuilt += ' ';
        if (spec.hash) rebuilt += '#';
        if (spec.zero) rebuilt += '0';
        if (spec.width >= 0) rebuilt += std::to_string(spec.width);
        if (spec.precision >= 0) rebuilt += '.' + std::to_string(spec.precision);
        std::string text;
        if (spec.size == size_modifier::long_double) {
            rebuilt += 'L';
            rebuilt += conversion;
            const long double value = va_arg(*args_, long double);
            text = print_float(rebuilt.c_str(), value);
        } else {
            rebuilt += conversion;
            const double value = va_arg(*args_, double);
            text = print_float(rebuilt.c_str(), value);
        }
        for (const char c : text) {
            out_.push_back(static_cast<CharT>(static_cast<unsigned char>(c)));
        }
    }

    template <class T>
    static std::string print_float(const char* spec, T value) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
        const int n = std::snprintf(nullptr, 0, spec, value);
        if (n <= 0) {
            return {};
        }
        std::string text(static_cast<std::size_t>(n) + 1, '\0');
        std::snprintf(text.data(), text.size(), spec, value);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
        text.resize(static_cast<std::size_t>(n));
        return text;
    }

    // Text arguments: precision counts source characters, width output ones.
    void put_string(const format_spec& spec, bool wide_argument) {
        if (wide_argument) {
            const auto* s = va_arg(*args_, const wchar_t*);
            if (s == nullptr) {
                put_text(spec, std::string_view("(null)"));
                return;
            }
            put_text(spec, std::wstring_view(s, bounded_length(s, spec.precision)));
        } else {
            const auto* s = va_arg(*args_, const char*);
            if (s == nullptr) {
                put_text(spec, std::string_view("(null)"));
                return;
            }
            put_text(spec, std::string_view(s, bounded_length(s, spec.precision)));
        }
    }

    void put_counted_string(const format_spec& spec) {
        if (spec.size == size_modifier::wide) {
            const auto* s = va_arg(*args_, const UNICODE_STRING*);
            if (s == nullptr || s->Buffer == nullptr) {
                put_text(spec, std::string_view("(null)"));
                return;
            }
            std::size_t count = s->Length / sizeof(WCHAR);
            if (spec.precision >= 0 && count > static_cast<std::size_t>(spec.precision)) {
                count = static_cast<std::size_t>(spec.precision);
            }
            put_text(spec, std::wstring_view(s->Buffer, count));
        } else {
            const auto* s = va_arg(*args_, const ANSI_STRING*);
            if (s == nullptr || s->Buffer == nullptr) {
                put_text(spec, std::string_view("(null)"));
                return;
            }
            std::size_t count = s->Length;
            if (spec.precision >= 0 && count > static_cast<std::size_t>(spec.precision)) {
                count = static_cast<std::size_t>(spec.precision);
            }
            put_text(spec, std::string_view(s->Buffer, count));
        }
    }

    void put_char(const format_spec& spec, bool wide_argument) {
        const int value = va_arg(*args_, int);
        if (wide_argument) {
            const wchar_t c = static_cast<wchar_t>(value);
            put_text(spec, std::wstring_view(&c, 1));
        } else {
            // A lone byte cannot be UTF-8 unless it is ASCII: widen as Latin-1.
            const char c = static_cast<char>(value);
            if constexpr (wide_engine) {
                const wchar_t w = static_cast<wchar_t>(static_cast<unsigned char>(c));
                put_text(spec, std::wstring_view(&w, 1));
            } else {
                put_text(spec, std::string_view(&c, 1));
            }
        }
    }

    template <class T>
    static std::size_t bounded_length(const T* s, int precision) {
        std::size_t n = 0;
        while ((precision < 0 || n < static_cast<std::size_t>(precision)) && s[n] != 0) {
            ++n;
        }
        return n;
    }

    void put_text(const format_spec& spec, std::string_view text) {
        if constexpr (wide_engine) {
            put_padded(spec, utf8_to_wide(text));
        } else {
            put_padded(spec, string_type(text));
        }
    }

    void put_text(const format_spec& spec, std::wstring_view text) {
        if constexpr (wide_engine) {
            put_padded(spec, string_type(text));
        } else {
            put_padded(spec, wide_to_utf8(text));
        }
    }

    void put_padded_ascii(const format_spec& spec, const std::string& text) {
        put_padded(spec, string_type(text.begin(), text.end()));
    }

    // Width counts characters: UTF-8 continuation bytes do not count.
    void put_padded(const format_spec& spec, const string_type& text) {
        std::size_t shown = 0;
        for (const CharT c : text) {
            if (wide_engine || (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
                ++shown;
            }
        }
        const std::size_t width = spec.width > 0 ? static_cast<std::size_t>(spec.width) : 0;
        const std::size_t pad = shown < width ? width - shown : 0;
        if (!spec.minus) {
            out_.append(pad, ' ');
        }
        out_ += text;
        if (spec.minus) {
            out_.append(pad, ' ');
        }
    }

    const CharT* format_;
    va_list* args_;
    string_type out_;
};

}  // namespace

std::string windows_vformat(const char* format, va_list args) {
    va_list copy;
    va_copy(copy, args);
    std::string text = formatter<char>(format, &copy).run();
    va_end(copy);
    return text;
}

std::wstring windows_vformat(const wchar_t* format, va_list args) {
    va_list copy;
    va_copy(copy, args);
    std::wstring text = formatter<wchar_t>(format, &copy).run();
    va_end(copy);
    return text;
}

}  // namespace wskemu::kernel
