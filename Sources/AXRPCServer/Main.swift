import CNGHTTP2
import RPCProtocol
@main struct Main { static func main() { print(String(cString: nghttp2_version(0).pointee.version_str)) } }
