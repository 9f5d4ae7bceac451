import AXRPCFrontEnd

/// Reads the configuration file (and other small system files), with the failure in the
/// configuration's own error type.
package enum TextFileReader {
    package static func contents(of path: String) throws(ConfigurationSourceError) -> String {
        do {
            return try SmallTextFile.contents(of: path)
        } catch {
            let problem = error.tooLarge ? "larger than 1 MiB; is this really the config file?" : error.problem
            throw .unreadableFile(path: path, problem: problem)
        }
    }
}
