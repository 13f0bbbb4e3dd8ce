// The one translation unit that compiles Asio, Asio SSL and Beast. Every other file includes their
// headers only (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION), which keeps
// the build fast and the object files small.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
