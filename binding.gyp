{
  # The same addon as CMakeLists.txt builds, from the same list of sources
  # (native/sources.json), for tools that look for a binding.gyp. The package never
  # builds it on install: it ships no binding.gyp and loads a prebuilt binary instead.
  "targets": [
    {
      "target_name": "quiverdb",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); [...s.engine, ...s.storage, ...s.binding].join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fvisibility=hidden"],
      "libraries": ["-lrocksdb"],
      "conditions": [
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/include", "/usr/local/include"],
          "libraries": ["-L/opt/homebrew/lib", "-L/usr/local/lib"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_ENABLE_CPP_RTTI": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }]
      ]
    }
  ]
}
