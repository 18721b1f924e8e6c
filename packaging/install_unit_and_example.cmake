# Runs at install time (install(SCRIPT)), because the unit names the installed sekishod and its
# configuration, and only now is the prefix known (`cmake --install --prefix`). Expects
# SEKISHO_PKG_SOURCE, SEKISHO_PKG_BINARY, SEKISHO_PKG_SBINDIR, SEKISHO_PKG_SYSCONFDIR,
# SEKISHO_PKG_UNIT_DIR and SEKISHO_PKG_EXAMPLE, set by install(CODE) just before. file(INSTALL)
# adds $DESTDIR itself.
set(prefix "${CMAKE_INSTALL_PREFIX}")
# GNUInstallDirs' rule for /etc: absolute stays, prefix /usr means /etc, else under the prefix.
if(IS_ABSOLUTE "${SEKISHO_PKG_SYSCONFDIR}")
  set(sysconfdir "${SEKISHO_PKG_SYSCONFDIR}")
elseif(prefix STREQUAL "/usr")
  set(sysconfdir "/${SEKISHO_PKG_SYSCONFDIR}")
else()
  set(sysconfdir "${prefix}/${SEKISHO_PKG_SYSCONFDIR}")
endif()
if(IS_ABSOLUTE "${SEKISHO_PKG_SBINDIR}")
  set(CMAKE_INSTALL_FULL_SBINDIR "${SEKISHO_PKG_SBINDIR}")
else()
  set(CMAKE_INSTALL_FULL_SBINDIR "${prefix}/${SEKISHO_PKG_SBINDIR}")
endif()
set(CMAKE_INSTALL_FULL_SYSCONFDIR "${sysconfdir}")
configure_file("${SEKISHO_PKG_SOURCE}/systemd/sekishod.service.in"
               "${SEKISHO_PKG_BINARY}/install/sekishod.service" @ONLY)
file(INSTALL DESTINATION "${prefix}/${SEKISHO_PKG_UNIT_DIR}" TYPE FILE
     FILES "${SEKISHO_PKG_BINARY}/install/sekishod.service")
# The example, never the real configuration: an administrator's sekishod.toml stays untouched.
file(INSTALL DESTINATION "${sysconfdir}/sekisho" TYPE FILE
     FILES "${SEKISHO_PKG_EXAMPLE}" RENAME sekishod.toml.example)
