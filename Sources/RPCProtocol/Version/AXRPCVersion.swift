/// The release of axrpc this build is: the server reports it in health answers and metrics, the
/// `axrpc` client prints it for `--version`. One constant so that the two never disagree.
public enum AXRPCVersion {
    public static let current = "0.1.0"
}
