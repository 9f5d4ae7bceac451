/* Umbrella header of the protobuf-c code generated from proto/. Only RPCProtocol imports it. */
#ifndef CAXRPCPROTO_H
#define CAXRPCPROTO_H
#include "axrpc/v1/inference.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "grpc/reflection/v1alpha/reflection.pb-c.h"
#include "axrpc_descriptor_set.h"
#endif
