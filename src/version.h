/* version.h — the program version and the checkpoint format it writes. */
#ifndef TC_VERSION_H
#define TC_VERSION_H

#define TC_VERSION "0.1.0"
#define TC_FORMAT_VERSION 2u

#endif
