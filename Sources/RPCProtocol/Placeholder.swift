import CAXRPCProto
let _placeholderLen = axrpc_descriptor_set_len
