/// Placeholder until the client lands.
enum AXRPCClientPlaceholder {}
