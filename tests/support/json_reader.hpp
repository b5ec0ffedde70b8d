// wskemu tests: a small strict JSON reader (RFC 8259), written apart from
// the timeline's writer so that a test reads the trace as a viewer would.
// parse() throws json_error with the offset of the first fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wskemu::test::json {

struct value;
using array = std::vector<value>;
using object = std::map<std::string, value, std::less<>>;

struct json_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A JSON value: null, true/false, a number, a string, an array or an object.
struct value {
    std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<array>, std::shared_ptr<object>> data;

    bool is_null() const { return std::holds_alternative<std::nullptr_t>(data); }
    bool is_number() const { return std::holds_alternative<double>(data); }
    bool is_string() const { return std::holds_alternative<std::string>(data); }
    bool is_array() const { return std::holds_alternative<std::shared_ptr<array>>(data); }
    bool is_object() const { return std::holds_alternative<std::shared_ptr<object>>(data); }

    double number() const { return std::get<double>(data); }
    bool boolean() const { return std::get<bool>(data); }
    const std::string& string() const { return std::get<std::string>(data); }
    const array& items() const { return *std::get<std::shared_ptr<array>>(data); }
    const object& members() const { return *std::get<std::shared_ptr<object>>(data); }

    /// True if this is an object with member `key`.
    bool has(std::string_view key) const { return is_object() && members().find(key) != members().end(); }
    /// The member `key` of an object (throws if absent).
    const value& operator[](std::string_view key) const {
        const auto it = members().find(key);
        if (it == members().end()) {
            throw json_error("no member \"" + std::string(key) + "\"");
        }
        return it->second;
    }
};

class reader {
public:
    explicit reader(std::string_view text) : text_(text) {}

    value document() {
        value v = parse_value();
        skip_space();
        if (pos_ != text_.size()) {
            fail("text after the document");
        }
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw json_error(what + " at offset " + std::to_string(pos_));
    }

    void skip_space() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }

    char peek() {
        skip_space();
        if (pos_ >= text_.size()) {
            fail("unexpected end");
        }
        return text_[pos_];
    }

    void expect(char c) {
        if (peek() != c) {
            fail(std::string("expected '") + c + "'");
        }
        ++pos_;
    }

    void literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) {
            fail("bad literal");
        }
        pos_ += word.size();
    }

    value parse_value() {
        switch (peek()) {
        case '{': return parse_object();
        case '[': return parse_array();
        case '"': return value{parse_string()};
        case 't': literal("true"); return value{true};
        case 'f': literal("false"); return value{false};
        case 'n': literal("null"); return value{nullptr};
        default: return value{parse_number()};
        }
    }

    value parse_object() {
        expect('{');
        auto members = std::make_shared<object>();
        if (peek() == '}') {
            ++pos_;
            return value{members};
        }
        for (;;) {
            if (peek() != '"') {
                fail("expected a member name");
            }
            std::string key = parse_string();
            expect(':');
            if (!members->emplace(key, parse_value()).second) {
                fail("duplicate member \"" + key + "\"");
            }
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return value{members};
        }
    }

    value parse_array() {
        expect('[');
        auto items = std::make_shared<array>();
        if (peek() == ']') {
            ++pos_;
            return value{items};
        }
        for (;;) {
            items->push_back(parse_value());
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return value{items};
        }
    }

    static void append_utf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    std::uint32_t hex4() {
        if (pos_ + 4 > text_.size()) {
            fail("short \\u escape");
        }
        std::uint32_t code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            code <<= 4;
            if (c >= '0' && c <= '9') {
                code |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                code |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                code |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                fail("bad \\u escape");
            }
        }
        return code;
    }

    std::string parse_string() {
        expect('"');
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) {
                fail("unterminated string");
            }
            const char c = text_[pos_++];
            if (c == '"') {
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("control character in a string");
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                fail("unterminated escape");
            }
            const char e = text_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t code = hex4();
                if (code >= 0xD800 && code < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
                    pos_ += 2;
                    code = 0x10000 + ((code - 0xD800) << 10) + (hex4() - 0xDC00);
                }
                append_utf8(out, code);
                break;
            }
            default: fail("bad escape");
            }
        }
    }

    double parse_number() {
        const std::size_t start = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') {
            ++pos_;
        }
        auto digits = [&] {
            const std::size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                ++pos_;
            }
            if (pos_ == from) {
                fail("expected a digit");
            }
        };
        if (pos_ < text_.size() && text_[pos_] == '0') {
            ++pos_;  // no leading zeros
        } else {
            digits();
        }
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            digits();
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                ++pos_;
            }
            digits();
        }
        return std::stod(std::string(text_.substr(start, pos_ - start)));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

/// Parses a whole document.
inline value parse(std::string_view text) { return reader(text).document(); }

}  // namespace wskemu::test::json
