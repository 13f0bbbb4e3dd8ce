# Every dependency is a Debian 12 package; `make deps` installs them (see the README).
find_package(Boost 1.81...<1.82 CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(date CONFIG REQUIRED)  # libhowardhinnant-date-dev: IANA time zones
# libutf8proc-dev: Unicode normalisation of company names. Debian ships a pkg-config file for it,
# no CMake package; the imported target is PkgConfig::atsync_utf8proc.
find_package(PkgConfig REQUIRED)
pkg_check_modules(atsync_utf8proc REQUIRED IMPORTED_TARGET GLOBAL libutf8proc)

# Beast and Asio are compiled once, in src/http/asio_impl.cpp, instead of in every translation
# unit that includes them.
set(AUTOTASK_SYNC_ASIO_DEFINITIONS
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
