# Installs the dashboard's plot libraries from npm (package-lock.json, scripts
# off) into VENDOR_DIR and copies their dist files to VENDOR_DIR/dist. Never
# fails the build: without npm or the registry the files are left empty and
# the page says the plots are unavailable.
#   cmake -DWEB_DIR=... -DVENDOR_DIR=... -DNPM=... -P web_vendor.cmake
set(files uplot/dist/uPlot.iife.min.js uplot/dist/uPlot.min.css echarts/dist/echarts.min.js)
file(MAKE_DIRECTORY ${VENDOR_DIR}/dist)
set(ok FALSE)
if(NPM)
  file(COPY ${WEB_DIR}/package.json ${WEB_DIR}/package-lock.json DESTINATION ${VENDOR_DIR})
  execute_process(COMMAND ${NPM} ci --ignore-scripts --no-audit --no-fund --loglevel=error
    WORKING_DIRECTORY ${VENDOR_DIR} RESULT_VARIABLE result)
  if(result EQUAL 0)
    set(ok TRUE)
  endif()
endif()
foreach(file ${files})
  get_filename_component(name ${file} NAME)
  if(ok AND EXISTS ${VENDOR_DIR}/node_modules/${file})
    file(COPY_FILE ${VENDOR_DIR}/node_modules/${file} ${VENDOR_DIR}/dist/${name} ONLY_IF_DIFFERENT)
  else()
    file(WRITE ${VENDOR_DIR}/dist/${name} "")
  endif()
endforeach()
if(NOT ok)
  message(WARNING "hpo: the dashboard's plot libraries could not be installed with npm; "
    "the page will show its tables and say that plots are unavailable")
endif()
