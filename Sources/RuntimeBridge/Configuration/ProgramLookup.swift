/// PATH lookup for callers outside the bridge (the server's `doctor`), the same rule the launch
/// uses, with extra folders to try after PATH (a driver's tools that /etc/profile would add).
public enum ProgramLookup {
    public static func find(_ name: String, extraDirectories: [String] = []) -> String? {
        if let found = ExecutableSearch.onPath(name) { return found }
        return ExecutableSearch.onPath(name, path: extraDirectories.joined(separator: ":"))
    }
}
