/* The serialized FileDescriptorSet of proto/ (all files and their imports), served by reflection.
 * Functions rather than the array itself: Swift cannot import an array of unknown size. */
#ifndef AXRPC_DESCRIPTOR_SET_H
#define AXRPC_DESCRIPTOR_SET_H
const unsigned char *axrpc_descriptor_set_bytes(void);
unsigned long axrpc_descriptor_set_length(void);
#endif
