// Field<T>: a value Autotask may leave out of a response, send as null, or send with a value.
//
// The three states matter where a write depends on them: a PATCH leaves absent fields alone and
// clears null ones. Decoders set absent when the key is missing and null for a JSON null.
#pragma once

#include <optional>
#include <utility>

namespace autotask_sync {

template <class T>
class Field {
 public:
  enum class State { kAbsent, kNull, kValue };

  Field() = default;
  Field(T value) : state_(State::kValue), value_(std::move(value)) {}  // NOLINT: implicit by design
  static Field null() {
    Field f;
    f.state_ = State::kNull;
    return f;
  }

  State state() const noexcept { return state_; }
  bool is_absent() const noexcept { return state_ == State::kAbsent; }
  bool is_null() const noexcept { return state_ == State::kNull; }
  bool has_value() const noexcept { return state_ == State::kValue; }
  explicit operator bool() const noexcept { return has_value(); }

  // Precondition: has_value().
  const T& value() const { return *value_; }
  T& value() { return *value_; }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }

  T value_or(T fallback) const { return has_value() ? *value_ : std::move(fallback); }
  std::optional<T> to_optional() const { return has_value() ? value_ : std::nullopt; }

  friend bool operator==(const Field& a, const Field& b) {
    return a.state_ == b.state_ && (a.state_ != State::kValue || *a.value_ == *b.value_);
  }

 private:
  State state_ = State::kAbsent;
  std::optional<T> value_;
};

}  // namespace autotask_sync
