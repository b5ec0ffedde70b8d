// wskemu: main() for GoogleTest binaries that test driver code: installs
// the runtime listener and the leak environment (include/wskemu/gtest.hpp).
#include <wskemu/gtest.hpp>

int main(int argc, char** argv) {
    ::testing::InitGoogleMock(&argc, argv);
    wskemu::testing::install();
    return RUN_ALL_TESTS();
}
