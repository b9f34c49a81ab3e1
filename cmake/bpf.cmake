# SPDX-License-Identifier: GPL-2.0-or-later
# eBPF objects and their libbpf skeletons, built the libbpf-bootstrap way:
# vmlinux.h from the running kernel's BTF, clang -target bpf, then
# `bpftool gen skeleton` into <name>.skel.h beside the build tree.
find_program(CLANG_EXE clang REQUIRED)
find_program(BPFTOOL_EXE bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

set(HP_BPF_GEN ${CMAKE_BINARY_DIR}/bpf-gen)
file(MAKE_DIRECTORY ${HP_BPF_GEN})

add_custom_command(
  OUTPUT ${HP_BPF_GEN}/vmlinux.h
  COMMAND ${BPFTOOL_EXE} btf dump file /sys/kernel/btf/vmlinux format c > ${HP_BPF_GEN}/vmlinux.h
  COMMENT "Generating vmlinux.h from the kernel's BTF")
add_custom_target(vmlinux_h DEPENDS ${HP_BPF_GEN}/vmlinux.h)

# hp_bpf_skeleton(<name> <source.bpf.c>) -> ${HP_BPF_GEN}/<name>.skel.h
function(hp_bpf_skeleton name src)
  set(obj ${HP_BPF_GEN}/${name}.bpf.o)
  set(skel ${HP_BPF_GEN}/${name}.skel.h)
  get_filename_component(srcdir ${src} DIRECTORY)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${CLANG_EXE} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86
            -I${HP_BPF_GEN} -I${srcdir} -I${CMAKE_SOURCE_DIR}/src/lib
            -Wall -Werror -c ${src} -o ${obj}
    COMMAND ${BPFTOOL_EXE} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${src} ${ARGN}
    COMMENT "BPF ${name}")
  add_custom_target(${name}_skel DEPENDS ${skel})
  add_dependencies(${name}_skel vmlinux_h)
endfunction()
