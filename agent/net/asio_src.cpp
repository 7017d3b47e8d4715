// Compiles Boost.Asio (and its OpenSSL glue) once for the whole program.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
