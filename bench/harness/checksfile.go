package main

// benchChecks is calyptos-check's checks file: 40 assertions on every
// host (role all), of the resource types a fleet's file holds most, with
// no reach edge, so a run should cost one gathering session per host.
const benchChecks = `roles:
  all:
    service:
      sshd: {running: true}
      ssh: {enabled: true}
      cron: {running: true}
      rsyslog: {running: true}
      nginx: {running: false}
    package:
      openssh-server: {installed: true}
      bash: {installed: true}
      coreutils: {installed: true}
      nginx: {installed: false}
      telnetd: {installed: false}
      openssh-client: {installed: true}
      tar: {installed: true}
      gzip: {installed: true}
    file:
      /etc/passwd: {exists: true, owner: root, mode: "0644"}
      /etc/hostname: {exists: true}
      /etc/ssh/sshd_config: {exists: true, owner: root}
      /etc/shadow: {exists: true, owner: root}
      /tmp: {exists: true, filetype: directory}
    kernel-param:
      net.ipv4.ip_forward: {value: "0"}
      kernel.pid_max: {value: {gt: 1000}}
      vm.swappiness: {value: {le: 100}}
      net.core.somaxconn: {value: {ge: 128}}
    user:
      root: {exists: true, uid: 0}
      nobody: {exists: true}
    group:
      root: {exists: true, gid: 0}
      adm: {exists: true}
    process:
      sshd: {running: true}
    mount:
      /: {exists: true}
    command:
      "uname -s": {exit-status: 0, stdout: [Linux]}
      "true": {exit-status: 0}
    disk:
      /: {min-free: 1%}
    memory: {min-total: 64MiB}
`
