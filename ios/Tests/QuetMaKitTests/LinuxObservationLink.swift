#if os(Linux)
import Foundation

// Swift 6.0's libswiftObservation.so on Linux leaves `swift::threading::fatal(const char*, ...)`
// undefined, so any executable using Observation fails to link (swiftlang/swift#75670; fixed
// in Swift 6.2 by swiftlang/swift#85278). The test executable supplies it: the threading
// library calls it only on an unrecoverable lock error, and it stops the process as the real
// one does. Darwin's Observation does not need it; the app never contains this file.
@_cdecl("_ZN5swift9threading5fatalEPKcz")
func swiftThreadingFatal() -> Never {
    fatalError("swift::threading::fatal (Observation's threading library)")
}
#endif
