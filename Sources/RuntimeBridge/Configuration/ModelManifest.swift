/// `DIR/axrpc-model.json`: what `--model-dir DIR` needs besides the vendor's files. Example for
/// the AXERA-TECH Qwen3-4B package on an M.2 card:
///
///     {
///       "name": "qwen3:4b",
///       "family": "qwen3",
///       "parameter_size": "4B",
///       "quantization": "w8a16",
///       "context_tokens": 2048,
///       "env": { "LD_LIBRARY_PATH": "/usr/lib/axcl" },
///       "runtime": {
///         "command": "./main_api_axcl_aarch64",
///         "args": ["--template_filename_axmodel", "qwen3-4b-ax650/qwen3_p128_l%d_together.axmodel",
///                  "--axmodel_num", "36", "--url_tokenizer_model", "http://127.0.0.1:12345",
///                  "--filename_post_axmodel", "qwen3-4b-ax650/qwen3_post.axmodel",
///                  "--filename_tokens_embed", "qwen3-4b-ax650/model.embed_tokens.weight.bfloat16.bin",
///                  "--tokens_embed_num", "151936", "--tokens_embed_size", "2560",
///                  "--use_mmap_load_embed", "1", "--devices", "0"],
///         "url": "http://127.0.0.1:8000"
///       },
///       "tokenizer": {
///         "command": "python3",
///         "args": ["qwen3_tokenizer_uid.py", "--host", "127.0.0.1", "--port", "12345"],
///         "url": "http://127.0.0.1:12345"
///       }
///     }
///
/// Required: `name`, `context_tokens` (the KV cache size in tokens), `runtime.command`.
/// Optional: `family`, `parameter_size`, `quantization` (shown by ListModels; default ""),
/// `system_prompt` (the default system prompt; default the Qwen one), `env` (variables added to
/// the environment of both programs, replacing same-named ones), `runtime.args`, `runtime.url`
/// (default `http://127.0.0.1:8000`; the legacy runtime's port is fixed at 8000), `tokenizer`
/// (started first, and the runtime only once it accepts connections), `tokenizer.args`,
/// `tokenizer.url` (default `http://127.0.0.1:12345`).
/// Both programs run with DIR as their working directory (the runtime opens its model files and
/// `post_config.json` relative to it). A `command` containing "/" is a path relative to DIR; a
/// bare name is a file in DIR if one exists, otherwise a program on PATH. Sampling defaults come
/// from `DIR/post_config.json` (see `PostConfig`).
struct ModelManifest: Decodable, Equatable {
    struct Program: Decodable, Equatable {
        var command: String
        var args: [String]?
        var url: String?
    }

    var name: String
    var family: String?
    var parameterSize: String?
    var quantization: String?
    var contextTokens: Int
    var systemPrompt: String?
    var env: [String: String]?
    var runtime: Program
    var tokenizer: Program?

    enum CodingKeys: String, CodingKey {
        case name, family, quantization, env, runtime, tokenizer
        case parameterSize = "parameter_size"
        case contextTokens = "context_tokens"
        case systemPrompt = "system_prompt"
    }

    static let fileName = "axrpc-model.json"
    static let postConfigFileName = "post_config.json"
    static let defaultRuntimeURL = "http://127.0.0.1:8000"
    static let defaultTokenizerURL = "http://127.0.0.1:12345"
}
