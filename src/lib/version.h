/* version.h - the software version written into transcripts and logs. */
#ifndef FE_VERSION_H
#define FE_VERSION_H
#define FE_VERSION "0.1.0"
#endif
