/* The serialized FileDescriptorSet of proto/ (all files and their imports), served by reflection. */
#ifndef AXRPC_DESCRIPTOR_SET_H
#define AXRPC_DESCRIPTOR_SET_H
extern const unsigned char axrpc_descriptor_set[];
extern const unsigned long axrpc_descriptor_set_len;
#endif
