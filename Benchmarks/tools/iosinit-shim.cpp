// libmyelin_iosinit.so: provides std::ios_base_library_init() for libstdc++ older than GCC 13's.
//
// GCC 13 moved the construction of the standard streams (std::cout and friends) into libstdc++ itself: code compiled
// with it calls std::ios_base_library_init() (exported as _ZSt21ios_base_library_initv, version GLIBCXX_3.4.32)
// instead of holding a static std::ios_base::Init object in every translation unit that includes <iostream>.
// TorchSharp 0.107.0's libLibTorchSharp.so was built that way. On an older libstdc++ (Debian 12 has GLIBCXX_3.4.30)
// the function does not exist, so prepare-torchsharp.sh points the library at this one, which does what older
// compilers did: it constructs one std::ios_base::Init, whose constructor initialises the streams once per process.
#include <ios>

namespace std
{
    void ios_base_library_init()
    {
        static ios_base::Init streams;
    }
}
