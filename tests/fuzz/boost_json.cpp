// Boost.JSON built from its headers (see CMakeLists.txt in this folder).
#include <boost/json/src.hpp>
