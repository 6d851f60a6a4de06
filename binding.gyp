{
  # Sources come from scripts/sources.cjs, the list CMakeLists.txt reads too.
  # Each ISA path is its own static library with its own flags; the shipped addon is never
  # built with -march=native, and the AVX2 path is chosen at run time from CPUID.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno"]
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } },
    "include_dirs": ["native"],
    "conditions": [
      ["target_arch=='x64'", { "defines": ["KILN_HAVE_AVX2=1"] }]
    ]
  },
  "targets": [
    {
      "target_name": "kiln_kernels",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "sources": ["<!@(node scripts/sources.cjs kernels)"]
    },
    {
      "target_name": "kiln_avx2",
      "type": "static_library",
      "cflags": ["-fPIC"],
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["<!@(node scripts/sources.cjs avx2)"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "EnableEnhancedInstructionSet": "5" } }
        }]
      ]
    },
    {
      "target_name": "kiln",
      "sources": ["<!@(node scripts/sources.cjs addon)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "dependencies": ["kiln_kernels", "kiln_avx2"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-lpthread"] }]
      ]
    }
  ]
}
