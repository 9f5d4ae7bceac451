@main struct AXRPCCommandPlaceholder { static func main() {} }
