import XCTest
final class ClientPlaceholderTests: XCTestCase { func testNothing() {} }
