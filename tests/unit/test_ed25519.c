/*
 * Ed25519 verification: the RFC 8032 section 7.1 vectors; 26 signatures
 * made with the openssl 3 command line (keys from `openssl genpkey
 * -algorithm ed25519`, raw public key from `openssl pkey -pubout -outform
 * DER | tail -c 32`, signatures from `openssl pkeyutl -sign -rawin`; the
 * empty message, which openssl 3.0 pkeyutl refuses, was signed through
 * libcrypto from Python), each also checked against an independent
 * Python signer when generated; and the strictness cases: S >= L,
 * non-canonical R and A, points off the curve, public keys of small order
 * (with signatures that would pass without that check), wrong key, wrong
 * message, flipped bits. The streaming API must agree with the one-shot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_ed25519.h"
#include "iap/iap_err.h"

struct vector {
	const char *name;
	const char *seed; /* the private key: not used, for the record */
	const char *pub;
	const char *msg;
	const char *sig;
};

/* RFC 8032 section 7.1. */
static const struct vector rfc8032[] = {
	{"TEST 1",
	 "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	 "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"TEST 2",
	 "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	 "72",
	 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	 "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"TEST 3",
	 "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	 "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	 "af82",
	 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	 "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	{"TEST 1024",
	 "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
	 "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
	 "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
	 "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
	 "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
	 "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
	 "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
	 "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
	 "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
	 "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
	 "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
	 "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
	 "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
	 "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
	 "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
	 "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
	 "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
	 "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
	 "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
	 "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
	 "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
	 "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
	 "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
	 "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
	 "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
	 "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
	 "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
	 "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
	 "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
	 "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
	 "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
	 "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
	 "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
	 "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
	 "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
	 "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
	{"TEST SHA(abc)",
	 "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
	 "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	 "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
	 "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

/* Generated with the openssl 3 command line (see the file comment). */
static const struct vector openssl_vectors[] = {
	{"0-byte message",
	 "9ba4fef8f231a09234b4eafe8d884e28ce7ea20ec65c8541ae37795ff6a5caf9",
	 "fe38c2708cf605501597e8a41e2b933d1e523b480853aa6ffd148b43673c8d87", "",
	 "abed6d9570b6a591204fec074eef9e758e4e0ec476f80f2984df609a6e0cbe51"
	 "d3946bfd401fb7f43335066796b9cbcd280debf0b36066c637cf838e8f1aa506"},
	{"1-byte message",
	 "160f83ccf0602bf790b8bae15ca4a9c9105f7895edda6804d6f67e83fa574c7e",
	 "2773a0fb40f602d13d79bef53fc756e7118dd7ac40a25a7868009dbf7084365a",
	 "2a",
	 "f6417b0c4ccb0f6606146002ce1dbee488cf2c2def7d65f5dc896f9340b66f0a"
	 "afe5bb4c7252503e4cbb3841d21560851fb56df5ec0438aed2a9c6f25efad600"},
	{"2-byte message",
	 "af8a2679bf3524a90ff4fad0c3da5c821f5df8c04f5e90385c9abd10a780cc61",
	 "834349190b19b4d75b0aea0e29fdd09eaff7d23b08a2f0d7bd205c817ce2be29",
	 "0485",
	 "e6fdf2281745c2c3cf729bcdd85b914c06acd422c34a728e8d8a4fb10fb92e3b"
	 "4bafe0bb74eb85ddb9e8fb1e6e4ddaf10bfeb7c267faa9c7784d2012ebe9cd0f"},
	{"3-byte message",
	 "857ed122b65ae707f4e0f47ea2b53e408a29623a0f888d62a81a6a4e0ed9ca03",
	 "8ecce99ed19387251388f701357bf0877238e00b47b7bff42ccce771adc4e258",
	 "3c6762",
	 "64bf99dbe98ce58204ea57973c1c502b39a3202a0226d102f5566c7008b2ae05"
	 "711c90d216c8602ab0671a8912bb6307f6a4312646bf665eeff164c22fdc4305"},
	{"7-byte message",
	 "91ded1ea2650b006fcaa45de34f4ad30a6f084e9305b3af32f575689e7c7512f",
	 "738f9b523ade18c04ed28d8abdaf630e520c26567435a876e2253964cb9d223c",
	 "97f49960af089e",
	 "7b52d5a165e205d58736c5d2c6cd2c4672dc116e70a9a3ee8c565305b0df8e6b"
	 "036e20181067fbf3669b3a84b7722d01e9e35e599d898e8815dee65cee85c707"},
	{"16-byte message",
	 "88f4ea3ebf5f33407f5ebc10b3a48ff9434ff6919f92f7b53269bed1fd69d4db",
	 "284cf6bffbfed174acbabddd1c0dd9a823e9ee51fccf3f8c3d27744ec7ff3647",
	 "606d3f5ebaed8958ee04100851e410f3",
	 "56faad2299ee8fa3fac1f767644adedaec35eb93d8732a1ea7a459c37bec42ea"
	 "704858ad622dd25369b582e39cd63e9a0291ad7779ba9cce7f3a8e62109abf02"},
	{"31-byte message",
	 "363e4c2a10912024b00b9c40b0d697694a42e30bb27e9ba26b58edff40d56fc1",
	 "71e308381a6092885b3b18018fe6dd9a87ff5bbc0313aaa4fb7412956da1e1fc",
	 "f575e9b4693e84556d48b57f9f5a160b9d111fe1922c13fb47ac76808f60cd",
	 "94d0b91e9d6aae9f637f9a3ccf036357acbf6a70a95a026beafc371247e12d6a"
	 "c9f75f13e1a200e387e67ee5da4bf6279d5315f6a95933a450e37bbc023ca10c"},
	{"32-byte message",
	 "3bdef4088d1e1809dccec11d9c1e08a5156d50dee71b1efc3e0f5c6474f3f0b4",
	 "82927db3c1a09b0e2d8e9153f418583b7a7e58814fd3ad70127c9726871c0a43",
	 "2c3d84e64045c613a42ddf63a9025192753fe88988698039e5571078be15ec8a",
	 "beca87491783f02a1e24c550da63faa70f59588e6e560aac2d677782fdc220d8"
	 "95d21ba83ddb16f581a885af915a6e5afb66b03b0ef577088a17c36aa6271109"},
	{"33-byte message",
	 "06b4f64284ecbcd609a0a1aff04b7fac2b5986e87b888e8cf86b102e2ab9e736",
	 "d5f04f319e12ae12ca7bdcf2a009b41ca51cb84a8aceb5798a97dead7dd042e0",
	 "191f9fe75a66746bf147a470437fe3e5e2022afe697829040f9abf3e6b02b4fb"
	 "b3",
	 "2791bd861cdb924c15af1f047057b966d780df8fa25aca14fe81cf5b120e8995"
	 "bbeeadfef32ac4d09dbeb6cbffdbf8c8bbcb17e1d56ded8819329557e08c5409"},
	{"63-byte message",
	 "ad2c4b10cba71b9bdc4819953fe6d39f8e8637dfadf656a0c98b16f8960e6671",
	 "5644af63938e5f7fabc6ee1b23ce42a4fe11da4fbdcd91c5269af050cf3d5ee4",
	 "016e864bac693563a9d52672dcb0e1f6e275a19d8b8104ebf76f108d13aa4b07"
	 "4e19b63ed3b2b73e9df58b7c7fb7a4dc25ce5f423378120aab991e6ff98935",
	 "042612cf5f83d45941eeb50391b5170c01be085a44e07a2b3cfb4b9b1da76efe"
	 "869ca1e9cf795491273fbbf4cc80de6f3aeb892917b636e8a6ef8063ea316e07"},
	{"64-byte message",
	 "78625eed37231f095fb086e894709d4f3ddbd6948189c98b654a1ffd2c8d4c6f",
	 "cfb8b856738977666a8ada93efe9022237dd12f5eedbcb2dcfc83e4caa8a8e76",
	 "a3ee0bb04f3bd4e3d28c5a3f8e3013a8b36d3cb207a6404313dbd32184de2829"
	 "3a4bedfb2184a5f5556fb0f6df819bf1f2df76d2b13efca0ad49fa6281bb3a9d",
	 "84e7a8061c95b59555fc7eeefb67236556f042fe13d61c317a8b2969384a182d"
	 "3e0d6309a16c6eed856d9f42fabfae0619741da994780081615b572816598301"},
	{"65-byte message",
	 "885cc0b738e41e1eef855c938e62567c91a0c1509a6a34f6353c351282cc2417",
	 "f685e6ffa2122d2925fd3e08933b660bde95daa4134f4040702d1f6ab8c23726",
	 "a00e25f9d362f8a2f95213838d6093ce33627edd601aad0ffe1a316afcd6b0c4"
	 "ba11dc0b57ebf08bf7647111f7367afc9bc226cb1392b09ef19ea38f3fce92ed"
	 "54",
	 "416d033140000d3b0717a7c6b6a059751d900b284499889e2cf4b3e7134979a5"
	 "68be2c5c160c7a00550741d666d488e860dc098bb4bdfab2cfcbb7c8bda9650f"},
	{"100-byte message",
	 "bd733c1cb5e69b653de1d1b5e36c4c111649bd8383ef204f5730080fd38c2231",
	 "e45702ac294b1f8fd91869558628c0ce5037ea7ba148ecb44d436a05aa77f9c2",
	 "f8f6529393343f7dd16f829ac805d63cbc03b61eab90d56dadc00e19ea4c9ac4"
	 "042e931067238d67f1a018488847b2d5cc9801368223447b66f2799f8383cc27"
	 "2f24e9cf6bebda90fccb11710f99cb0668234e173bf005e33adaa1bb14a5c6dc"
	 "33ac6e4a",
	 "620be73469f0d0270fabd39bc3d14a0a3593e9faa3aa5b37a3e7b14e8f8a99fa"
	 "f128721e4b5f3b780f1b2a58ef8d47cb3f971d64662b252e8fc882e2c8e58609"},
	{"111-byte message",
	 "dc71b1f8f3201e78286664cd1d8257219023b20f5e5e740c0ee968882306b2d2",
	 "a5d746818e313b3020ee4f8fc26406b76771c81f35adb13b73665b579bcfce1a",
	 "2b62ed463522b11ac1e765e12414f0af21e04f88cdad66d0f2d4723b846133a9"
	 "5b09366f30dcf3df94e96e8beb2910b481320fc1eb0c3ef095284878a46dd7a9"
	 "84c26ddd0749a5f4bc1a887aa61fc19cd064a88dd1f449466a2ec9066051f1e3"
	 "84c1e600e1c72c903c02f69bc95c01",
	 "9f1a5a8c0ac4807b4c0219279012d75d7a005184476a445e96ab6f5944eaf62d"
	 "25e27373e347711cbfb747123cb91216c02ef65e027b6b07b43966a6756fad04"},
	{"112-byte message",
	 "29eeef74682e1ed94ad675b7cce20561d9a6f98310158c2e86b04cc846585660",
	 "5180a51a33a7834f30d3163a171927eb9d15f1d86a5a4918de2c99aaad1fe550",
	 "34b00b5a92d954970d7a32e05a44d5c9f0ae68c752fd5a51047c021588aa4a9b"
	 "78c2d13240d2fc177b7f9d93dd78ed4905faa6a6babaf69896cc176a472bb4f6"
	 "902e79df88b81f44cc7e2fdb2382b4db52f6190d5b88abdd2b9d2782055bbc13"
	 "9cd135f83c2adad2f4c568845b8d9477",
	 "14b310c3dc7c092992f8cda785ea495c64eeba8d6a596a783d302d922c84e5da"
	 "d9fdf391cbb126fe9523902bf75966d03e1e335923fa91320b69d34b10cdf009"},
	{"113-byte message",
	 "eb25849ee63d52cc89d0ba6a347992af1f1bd174ca24caf59292fa7ff2cf9908",
	 "0f7fe749170c547371d41c3f83b49ab4c77398999bc1fd343de452287a9ea426",
	 "70626a382609d8e02990c70ec105e4347e90b8432fe195d0cd3c76c030d31af9"
	 "0dc9f377086c3ab517b28fc6459bbb657ac8d567da0b35c40b641e383e8b66a1"
	 "986d8c6baf974646f3ac80f3263ee67b5fa0af006ee11c1aa179a1a4c2625cd1"
	 "0ad53a3535f6d60ac2aaf5edbf7089a332",
	 "c983fefaa9448254dcb20e0aa5dd6adfb0260a9d247d7619454585c7552582b8"
	 "2c5d4a6b117932ab9b8cd82e697bac3ee30f2cc0116473a9284ae00c10674002"},
	{"127-byte message",
	 "9109335d279d398281e23589389b09601168ff431d75fdfc7324197b3464656b",
	 "e4b4a4592aac02258bf019d0d5b814cfcfe44866a993d414e40bdf809ae772e5",
	 "d857a6db0c2fceef97f22876c07327de98f686bcca7a1d37a454cf63d65c9f64"
	 "f72a132acb033e67eaa0ea6b093a2817ba944d3e0468b1a932ffcaccf087a19e"
	 "2c6800bf14d7f954532e7e2861618de4721d51bfe5547eea6f0a91bbe73dd6a6"
	 "7caa987daf03b93015b87ab9a053f9246fb1038f61a8231b5ab3bb0a212782",
	 "33ec00cbb1592cfb0afd5b9a0b007054a8f17cb06984b451fad8d6055da6242b"
	 "8f238c9bf4b03506d7f6eb23e28690ba29c4331439b3ce97bf16c1b931a80705"},
	{"128-byte message",
	 "b2ba6a098f6287399049979b3affbfcafdc96b4bbcbd7c99cdfce42bbd4cb56c",
	 "837071de7b781a1d9f4ff4928f3c2cc8011524e1a21f1b0c1ec1326e0fd905ac",
	 "2755def448055251742e3ee1d6e5d6d1a0e4ef71b2c22b2b8172146fd64a8857"
	 "cb39aa1399506524ad19b0caf67e7225791487e7dbe68eb16275f9899d413f3c"
	 "46e3e2519f5dabe6e63db2f27232652fc5b9ab2dadd394e918a05a526dede38f"
	 "d849d4ba072d60dfd6c0f56e39eb3e66a4dd572a323d297d6f711ff4d88b8b8d",
	 "344e9d6faa33ec724c2c6fa2290ffa2f4f125b24f9980210c1455535d1dcdda6"
	 "c45410535c4c69ce6235e1e90bdddf50a190586563a414a1c46451a87cde2904"},
	{"129-byte message",
	 "9d658a0f18d59f94a16310af579532fcf619f59195ca5c9e367e9b40b4d17792",
	 "a5184d778363ef12de9fb5e00bae0d4f5b9b58b6986852b3942cfe4467829e63",
	 "5d1a353a58793a637ceba0c15a085293d75245606666cd373e61d925547083dd"
	 "59df9700d748fc0ec7b5b28221ab42e3bc78e90820d90bde030284634bd12787"
	 "6b322ea71e3396dfbf1b092a6867c7df2fe38b65234c7c4c4b82d3ed439c23f2"
	 "d0de1d0ca0fba1047f70659619e8848e3d3de7f87077157c2e9d3b4165794437"
	 "ca",
	 "85bfb7b2c95b8a9401e71a26fb7544d5f3c256408b49a7a2b8e03915a757b2ed"
	 "e870fdf3c39d6840c0f4243a6aaedbee7709c3c6999a6de3f46792b1ec83620f"},
	{"200-byte message",
	 "7fc97436afac76caba97a9e95019302cc979e91ec8dfb179d7e930aa1b8961dd",
	 "179997bdd50ed4eb6006f4537cf49244805f8bff01fb2bf9e6654549b32e2534",
	 "5d234cc336597f7fb5e24abb77b0016f731ad9f3f1fca15001e5f9d1980aab7d"
	 "849dde64cb40189d4a8121a58731ae8a41c550c3ed4a42c446b7683a4a4cf96d"
	 "27105a021bc8a0ede0d360da6fc9c1835c3c5066a72e2618ab4c2b3d6da255c2"
	 "72cdb9f8c6fd67b1c00a97c0b38cc525582e2bc58fb0f9aa3732966b080d2912"
	 "1c0cee89f27198a30502a69eddc3711fc096d9abba84106b490c69662805fde1"
	 "c8f0c6b238f0e2505a9731546987aa610efe8a6b65f4d3e1dae54decc40c196c"
	 "24a44c21bd4c8066",
	 "32489c31745a3f1b5edef49937329e2565145be4c22f09f26d31c84855c5abc5"
	 "0158faa9c0175bf7fdc00e0b9a79776bd84034df33e3b6c4c93c01695b97d103"},
	{"255-byte message",
	 "3cb96fca5586f80700eea614f5f7db850516f4fdd2fcd13d76f746d2dd9f7941",
	 "567493f5bae073f624b6656c3b948ce3e0bf1639137eda91e09c28c901a897ea",
	 "0ec95b8c75ab003a51d044fdfeaf31137f2fae62818e090126cf2b4c2ca8ba38"
	 "b518b41985ce9c28e5570b596763d7bb49be8a5d568ca33591832a7c77fadf77"
	 "f6edbd9f3051f45c6313d54608b1ff1cf278b5f2f52b8f744e42a83516e568cf"
	 "9fd5b09797642e9a6095aeafd8bfe8fc786a4f3243ec782b66ef3782c70d35e5"
	 "4e0efd139ef82f5da1539ec2c7a40ece870e221e971e35799440be136c5c68b6"
	 "e1858bf9e433dc707c597bdd427ce9e39509ebb66ab74d7feecd901c07c9378b"
	 "44e6932b7207383af58916de95f311f01018e4f74f16a55029d189e347f755e3"
	 "20b1ceabffda9bbe25fb88d74f24bcd0b294e6727e61f3d478215315e1046c",
	 "e3de0343cdcc8de19a5d5f0ace6a78a73e21d1d25e360c7f7bbf4abaf7629fe5"
	 "268a4e7b028420da402b6d80e937f121ce522ffd3355eb6439e6b32a33518202"},
	{"256-byte message",
	 "6bc77c8072b0bfb460a2c0e58562855918eb59fcd6e4121f82030e1ca84e2d73",
	 "f93f3cb68c2cbb469b194d639a5293b841932f8bc45a904bce817a8b001d1ac0",
	 "2d647598b40d79fc16cb8b0dfc1830e0ba1b64d661ae5690e3e11d298adb2969"
	 "e8e0c6bf983bd35f261e574215c4d386c498409f5150ad51ed20f412cc3a75d8"
	 "f00cc975e477eba007047e058dcb23aec2dde53428afc554d49af1c5b9d72f05"
	 "da727c4540c0b4ea9d4e13146519bd5e6476862ca125b90f71ca109ae8e3865e"
	 "f3643df29d34b79004f12dc7f90cecca60929d6785de5f63773432a483dc2fdc"
	 "6bf390ead97127ad5892f328e773c557cec40c066c856c0deb672231430604d4"
	 "6d53dfb086fe4d4b91ad731cd48ff5dfddc807eee90d31c18c84b43a585e3e05"
	 "dc2ea46d3f6bb09a630cd25485bc78472e264035e58b7d290d05b9b1b265d817",
	 "85756c241b8cdb19a7ab8500f9aff9c35812c6ff16358e30bda0315f983f7a2b"
	 "80c3c24b59bffac90a87ae0b62d00f961c18ca2f7d3e21b7e0893d9d3113da05"},
	{"257-byte message",
	 "d28afc57a835a3073f757e01e134e3efe864f232a6d4dd8d6d1e1c1c47fb4131",
	 "59f0c93676a62c4654a9d6de6ca7eeab441651ffed59666f02d9ea3c0d12ff30",
	 "207fc650894da990dd36f56586e21d875841c9ef2cee8c784bfeeb47207e789c"
	 "4b6c5902b475796c9301c150c103865d2c110b312e6ea84b233947c3349029cc"
	 "62130a4e4e76b6f42a34ef2f3462bc2d3ad559b0fd5e2e5de2515adca3ee8820"
	 "5546c83a4b95f66e00b5c659778009d20efe35b19a3a3b1cc08f8ff730b434fc"
	 "138aac52ffa4a80f570aef5dbdb11abd7e64835fae0db2e642b0269e1485e978"
	 "8f85a272d126556f4c8919596839f16ea1cf42e641a87ff28100268ee6d9bc81"
	 "7206919eb4bf55c3df461534629e900bab4f3f23711b17be92a4b8e9ea82f60d"
	 "376d700fb69f83b68e9b3e13d09ede84ae67f4193ea6a0dde3f0e9530242777c"
	 "8f",
	 "987fa2c1fb60bd74e1c9668405a58b2c17f8f603a67ffe66275535d611c8ebe2"
	 "b0273f17084e766f516f16c5f7307e5f0390e60bfeb26e3d5ebd05645fa32300"},
	{"300-byte message",
	 "e9c720cb94473cf23cfc0b20e086f6334c4225878e1adf3e7ab782f6a5aeaa75",
	 "79a0c53511dac51c87e3cf6b7a4376fc548ab4a1854e597b4451f37e9f450deb",
	 "8b341b91aa7bac95fb66ae14000ca2b256899987a6b1711e256cdebea329f5c6"
	 "649b7d1c6d61a7cc7ed186a590f0086a04fb1842cd39532de934cd91b624e02a"
	 "a0d03e3160486511b3466d9c97f640770bc826244c862a718301f9cf256d602c"
	 "29a053a1f8c44ad4097bce905ab07660d69a699addcafc71e2d76b3b8352dacf"
	 "79490ccdc643b328c0dedb26a9446c315d39a786129dd6719b8537acda0e145e"
	 "6fba2399886d536ca508ed4c031d49c76b3849a6a29f8a478c16d5aae3d283c8"
	 "9487dc8beb4f1dfa98fc47f95a8f3618fcba89fa13da03713986b568572817ec"
	 "ac6ba67fc5f682dde86f5197c2bc470753996a3e92026abe16707f34a7474b59"
	 "17406325fa7955f84549b9733261305ffd9987b287b3e73f60773edbb4e8db95"
	 "95ad887191cfdd7567c1d476",
	 "6c1ab0f89828b29e22f723080ed65698908d6fc9ccb151ae55b3a8237680cfbd"
	 "e254fcf737274e5be84e0ad38f5073b227f6fc04440177cd3914b5eb276c1a02"},
	{"511-byte message",
	 "0490ac7f09d9190e92a2e45607d32a41ce256c244ecbb17f41129606369ed5cc",
	 "f43fcadbe5b9eccc4beda1a8887bd0b23be9ec21e9cc0784d6fa02a8a9fdd6c8",
	 "bef3da0505dca81c18df374afc44e0fecebe9a6a907855cb809c535abac3ca1a"
	 "f08c0c3cb3276dc02bf9aff3885667c6881241350fe2a84d3b9be94ad837e4f3"
	 "048a63901a765c7aa6910e17d64eac242b0c3f5c655923ea51368ed07c0b864d"
	 "62978f12265f0b19767dbe978f7dda5d40e1275dab675d20fa77de1f3a577644"
	 "7d4a0281d7f992a834ba7c9e71b5f43966def8c84436c4f488026c76feebef1c"
	 "822d4a474249d7dbb0e2b15d2b5b59b3fe93a611a3fa33ef6c87bd731a4cbfd2"
	 "7ff307b521bf2baad60fb7c00ac0d04d1760ada1f733cfea47111ec98925e5f8"
	 "d363d012ed77583d531c3be01a501770a5b8c4959c8b090f04c2eec8f1578c8e"
	 "6251d667d3d2c34a6e4278acf9f6d55726e85ede9d798520dec7af4c2d31474d"
	 "856068dceaaa1822ae796c97fe6e7a4692662bd9d428889ef68f6f0b9800a1c3"
	 "59afe8957d4b5fce7308fff78647d04421eb70d56388fad5c69d375cca10b629"
	 "0e769144cc1764e6205b09831c86c382be07f8554901a5098ca51670fb3d632f"
	 "c2a30d6ab70929a912e449df481923ffe56417b6b022edc3d7a19faa5c0658c0"
	 "8ceeab783a868311fdc38533e15234ce89971ee50fcb3964f953cbf9c14fede9"
	 "06be3570fc34ec6fb875c365fdf8954910d8cf9815af1c1e533419e6b3186d34"
	 "78d1bfd66f1e589ea71ffc6ea3ce31aec0374783a35ad97eba0d0e0f591cfc",
	 "ef5eb78536d2fed622f0cd30905ec00cabcda144ae1c93f344f2b814e0c02500"
	 "326bda3af0e433426ecd95d341cafbab2720883a41275689eb0bd30dc71fb50c"},
	{"777-byte message",
	 "1d5aae7cd6d19f2c843f08671368793ae45ab57baa6dfa001aba32d961ca7dbd",
	 "28720ef760b9559380baf0c00d11cdbd8dc07bb88e1ace525b47a265b8ecfeff",
	 "77445f7e3270311db88380adb8e674e7a21db11c1cc5eb9b8b2bdcf433eb1a8e"
	 "003672ccae6fd7a4489300d8953e508105c4b403509edecbd6fc94e02ecb1ddb"
	 "dc3bb0e5cb362bbaea3c0fc597e7fe41057087b465e722d2bb8e4f74c1edd66d"
	 "dd71070aa9b96595506741020a8db1aae1289a33fe1731fe082972b622a49e01"
	 "55d7eded0dca13bb66d588bc2166dc95101b3e118c5f0dee8ae4abaaee7383ca"
	 "cc67574d976bc701641a325c91ddf919dd10f2876a4da0156cdf520cce6f4b23"
	 "919be022ffa222330d0d6e55bbf6e144e26f5eecfaab77bdebca9c1d3599a95e"
	 "7663b0d20c46feed27e655c9120150651d7023d1247784e0738d2d083f4d60b3"
	 "31ffa997377291b1a784c20a728deeee6ec5cdd9a4cbd432d79612bcf554b10f"
	 "75019e2ad63674887bcd36136b177f09d7ba537096694adf963f27c9fa5c1e52"
	 "17fade48cf269d5f9cfd84bcda6260a01cd8b2ec29cc0037fae392ce04b18c0e"
	 "57b647a1d9a7e3145f1ea9710406b0be5e18c00c108432093a6b0ec54dc852fd"
	 "4242677dd1ab957b6c1217802b5c1018aa2a313aeec9dd1a329460eee70d24aa"
	 "bcf958672cdf273e3895e3bcefa5d5a3b1696e9f4cd3f60a95f962be1b8c7106"
	 "1496bc8a69b4c11cfc18f0ded9d877ec683f3300d00b304d4047f8846bebb6c6"
	 "4a8d7fbad13bc3d0789fc6e01f1af708d7d526b5e5e79d3555d53b50b43bfd52"
	 "38ca1b12c48e90e3b30f0d06512a71aea3575d1a6c71d9b6075cd1d7cad4edb3"
	 "be7c578155e1b589d6e29ce32d4fa256987e55a43f4756de04f30fa1875eb7cf"
	 "22fecf20b67540760f1d825b74d352508def071665c71035a03d5b54354a1208"
	 "62e049db57e7e9d3dd5f2c742f6165931a270a32ead92a6fc3b009c7b95493d5"
	 "daedd280543fa03afa5ec55000a30fe1bf2f310709bed578a6eb6a7f6db9977e"
	 "8708d9d3a39e77a8b639ad34aaf774b50c38e7cd8f7bca6e4fe74232cbfb2801"
	 "a17c34b8a3155b90ec6ab8ea525189bbe86155a8425f247f6a252389db6e92d9"
	 "c35c9e08b5a053475e1526446446e81be2ed22f5929c6ccad9ef8a379f46e2d2"
	 "7a772e0bd4579046ba",
	 "dcd4a947c4022e4c6412a7f635d7bcd9ebe250950cce285ca55d3934b3c0751a"
	 "f0191bc7d1795f768af27ef539526fa8bc64ed640618bb067c8a6e8eb66f080b"},
};

/* Signatures under openssl_vectors[5].pub of "iapboot strictness test" whose R
 * is the identity, encoded three ways. */
static const char sig_r_identity[] =
	"0100000000000000000000000000000000000000000000000000000000000000"
	"1893e3b0781a15304c4d88d5ada0b47be30c0309703abff8c3174c2449653204";
static const char sig_r_identity_noncanon[] =
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
	"659525682aa9c32381544572f395da92b4fa606e7e8d1eb2cdd48a05b328720b";
static const char sig_r_negzero[] =
	"0100000000000000000000000000000000000000000000000000000000000080"
	"649a396ac6ff039e79e3dd550c84c19e266b4a69b2a81a4879a06b595ee07f0d";

/*
 * The 8 points of small order, then the non-canonical encodings of y = 0
 * and y = 1, each with a signature of small_msg that passes [S]B = R + [k]A
 * (R = [r]B, S = r, r chosen so that [k]A is the identity).
 */
static const struct small_order {
	const char *what;
	const char *pub;
	const char *sig;
} small_order[] = {
	{"order 1",
	 "0100000000000000000000000000000000000000000000000000000000000000",
	 "4e0e9cfb7e41e00be30173e2a12f841a7dcb0bc3db6111a4ddb1355455dcae7e"
	 "6258668af58991b136f1cc29e47ff3fc3de0d7586fcb7d2ede6befb5dfa66f03"},
	{"order 8",
	 "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	 "d434bf34c1f0caf14f60563b3367a4f3eda12b82fb5ad9e997e7926408f6f1ed"
	 "a14e382b619ab6f577ef1131573fa3cad2a11f7c5c9ad6c4eb953a6c207c8d0c"},
	{"order 4",
	 "0000000000000000000000000000000000000000000000000000000000000080",
	 "b559b09e05c1c4262974e0ce06392baccf32010531540caa232864e1e06ed3f4"
	 "266e43375cccc8ab3e9ee859c63c8927d8322e14f70a7035cb07c68581d33f0b"},
	{"order 8",
	 "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	 "3bcccacc2588077ed9eb286baacad075254be0dde033b7e575734df275c84ca0"
	 "8ec2fceb3d3050d455b6c4ac1b9b894d9b28d31b84673c445f0f74ee3111bf04"},
	{"order 2",
	 "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	 "d475b055aa1e910b32ce3442451971c166053844ebac47014e7bdda1af90af2e"
	 "d11fa36ea22b1bb06407ae8faf70eb382b941815ad6344aa99b9ad1a05695e0a"},
	{"order 8",
	 "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	 "95f00e3941b4d348e5185b9e7eb03b28ed0a431d2950814d70e36dee2e6f258b"
	 "69757e9ee8cdd7325415a6bc6bde3f5d181e697554550c4901a334a313df6b0a"},
	{"order 4",
	 "0000000000000000000000000000000000000000000000000000000000000000",
	 "ce816589e668a262eed55487c6cd4d98c6d5d5cc716168ce6c3970445cf6a470"
	 "7549a0cfae7ec1a96a83363427157ae74cd1c70c140518b6b14acb56ab6ba70a"},
	{"order 8",
	 "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	 "6f090c70c4c7c37c1baeaa7fdb679a70fd3373aa8b115ae519f2163de5dba843"
	 "505433805e89f82f15ec5f52e94de3864f7730cd93d5229d91da50df36b87805"},
	{"y = 0 + p, sign 0",
	 "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	 "2c45a1b43987bcf60150ce191b92a88d4ebd968208eb1b4b6acad3cb9850825a"
	 "c5daa8abc5ce85a4ea986bb677d929c321c61b2680fd5576785e558fbd0b9801"},
	{"y = 0 + p, sign 1",
	 "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	 "189d9e36df9983d71909b47bdc76b0c8aea1b3633d1701538bbd9da42b92b7dd"
	 "3c873df7fef0e083ae7752f4033ea51dce2fffb449b789bfe8413958b1d28007"},
	{"y = 1 + p, sign 0",
	 "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	 "b9ac50213c570b3727a608696c248701b7743af9f168801e4444d9b45840745a"
	 "845cc827fa7901d5e11a635a8973b01f53d2a5721ef8257902f0b57043684208"},
	{"y = 1 + p, sign 1",
	 "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	 "f2b725a681ff212d4eb83f27c3167379229a537070fb1b4ec3084bfef4331917"
	 "f009550d996fcd75dfd4d6e25321c9a6c024fdcdd19efe28e88d208aaf3e3c0b"},
};
static const char small_msg[] = "iapboot strictness test";

/* Not on the curve: y = 2 and y = 7 have no x. */
static const char off_curve_0[] =
	"0200000000000000000000000000000000000000000000000000000000000000";
static const char off_curve_1[] =
	"0700000000000000000000000000000000000000000000000000000000000000";
/* y + p for y = 3, a curve point of large order: non-canonical. */
static const char noncanon_large[] =
	"f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The group order L, little-endian. */
static const uint8_t order_le[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
	0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,	  0,	0,    0,    0,
	0,    0,    0,	  0,	0,    0,    0,	  0,	0,    0x10};

struct loaded {
	uint8_t pub[32];
	uint8_t sig[64];
	uint8_t msg[1024];
	size_t len;
};

static unsigned nibble(char c)
{
	if (c >= '0' && c <= '9') {
		return (unsigned)(c - '0');
	}
	assert_true(c >= 'a' && c <= 'f');
	return (unsigned)(c - 'a' + 10);
}

static size_t unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = strlen(hex);

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= max);
	for (size_t i = 0; i < n / 2; i++) {
		out[i] = (uint8_t)(nibble(hex[2 * i]) << 4 |
				   nibble(hex[2 * i + 1]));
	}
	return n / 2;
}

static void load(struct loaded *l, const struct vector *v)
{
	assert_int_equal(unhex(l->pub, sizeof(l->pub), v->pub), 32);
	assert_int_equal(unhex(l->sig, sizeof(l->sig), v->sig), 64);
	l->len = unhex(l->msg, sizeof(l->msg), v->msg);
}

static int verify(const struct loaded *l)
{
	return iap_ed25519_verify(l->sig, l->pub, l->msg, l->len);
}

static uint32_t rnd(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static void test_rfc8032(void **state)
{
	struct loaded l;

	(void)state;
	for (size_t i = 0; i < NELEM(rfc8032); i++) {
		load(&l, &rfc8032[i]);
		print_message("%s\n", rfc8032[i].name);
		assert_int_equal(verify(&l), 0);
	}
}

/* Each verifies; one random bit flipped in sig, pub or msg fails. */
static void test_openssl_vectors(void **state)
{
	struct loaded l;
	uint32_t x = 25519;

	(void)state;
	for (size_t i = 0; i < NELEM(openssl_vectors); i++) {
		unsigned bit;

		load(&l, &openssl_vectors[i]);
		assert_int_equal(verify(&l), 0);

		bit = rnd(&x) % 512;
		l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
		l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));

		bit = rnd(&x) % 256;
		l.pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(verify(&l), 0);
		l.pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));

		if (l.len) {
			bit = rnd(&x) % (unsigned)(8 * l.len);
			l.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
			l.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		assert_int_equal(verify(&l), 0);
	}
}

/* Every single bit of sig, pub and msg, on the shortest RFC vectors. */
static void test_every_bit_flipped(void **state)
{
	struct loaded l;

	(void)state;
	for (size_t v = 0; v < 3; v++) {
		load(&l, &rfc8032[v]);
		for (unsigned bit = 0; bit < 512; bit++) {
			l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
			l.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		for (unsigned bit = 0; bit < 256; bit++) {
			int err;

			l.pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			err = verify(&l);
			/* Either no longer a usable key or not this key. */
			assert_true(err == IAP_ERR_INVAL ||
				    err == IAP_ERR_CORRUPT);
			l.pub[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		for (unsigned bit = 0; bit < 8 * l.len; bit++) {
			l.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
			l.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		assert_int_equal(verify(&l), 0);
	}
}

static void test_wrong_key(void **state)
{
	struct loaded l, other;

	(void)state;
	for (size_t i = 0; i < NELEM(openssl_vectors); i++) {
		load(&l, &openssl_vectors[i]);
		load(&other,
		     &openssl_vectors[(i + 1) % NELEM(openssl_vectors)]);
		memcpy(l.pub, other.pub, 32);
		assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
	}
	load(&l, &rfc8032[0]);
	load(&other, &rfc8032[1]);
	assert_int_equal(iap_ed25519_verify(l.sig, other.pub, l.msg, l.len),
			 IAP_ERR_CORRUPT);
}

static void test_wrong_message(void **state)
{
	struct loaded l;

	(void)state;
	load(&l, &rfc8032[3]);
	assert_int_equal(verify(&l), 0);
	/* Truncated, extended, one byte changed, another vector's message. */
	assert_int_equal(iap_ed25519_verify(l.sig, l.pub, l.msg, l.len - 1),
			 IAP_ERR_CORRUPT);
	l.msg[l.len] = 0;
	assert_int_equal(iap_ed25519_verify(l.sig, l.pub, l.msg, l.len + 1),
			 IAP_ERR_CORRUPT);
	assert_int_equal(iap_ed25519_verify(l.sig, l.pub, l.msg, 0),
			 IAP_ERR_CORRUPT);
	l.msg[500] ^= 0x55;
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);

	load(&l, &rfc8032[1]);
	assert_int_equal(
		iap_ed25519_verify(l.sig, l.pub, (const uint8_t *)"", 0),
		IAP_ERR_CORRUPT);
}

/* sig[32..63] += L: same value mod L, must still be refused. */
static void add_order(uint8_t s[32])
{
	unsigned c = 0;

	for (unsigned i = 0; i < 32; i++) {
		c += (unsigned)s[i] + order_le[i];
		s[i] = (uint8_t)c;
		c >>= 8;
	}
	assert_int_equal(c, 0);
}

static void test_s_not_canonical(void **state)
{
	struct iap_ed25519_verify v;
	struct loaded l;

	(void)state;
	for (size_t i = 0; i < NELEM(rfc8032); i++) {
		load(&l, &rfc8032[i]);
		add_order(&l.sig[32]);
		assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
		assert_int_equal(iap_ed25519_verify_init(&v, l.sig, l.pub),
				 IAP_ERR_CORRUPT);
	}
	load(&l, &rfc8032[0]);
	memcpy(&l.sig[32], order_le, 32); /* S = L, i.e. 0 mod L */
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
	memset(&l.sig[32], 0xff, 32);
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
}

static void test_r_encodings(void **state)
{
	static const uint8_t *msg = (const uint8_t *)small_msg;
	struct loaded l;
	uint8_t sig[64];

	(void)state;
	load(&l, &openssl_vectors[5]);
	/*
	 * R = identity with S = k a: valid under the cofactorless equation.
	 * This shows the two below fail on R's encoding alone.
	 */
	assert_int_equal(unhex(sig, sizeof(sig), sig_r_identity), 64);
	assert_int_equal(iap_ed25519_verify(sig, l.pub, msg, strlen(small_msg)),
			 0);
	/* The identity as y = p + 1: a verifier reducing y mod p passes it. */
	assert_int_equal(unhex(sig, sizeof(sig), sig_r_identity_noncanon), 64);
	assert_int_equal(iap_ed25519_verify(sig, l.pub, msg, strlen(small_msg)),
			 IAP_ERR_CORRUPT);
	/* x = 0 with the sign bit set: RFC 8032 5.1.3 step 4 rejects it. */
	assert_int_equal(unhex(sig, sizeof(sig), sig_r_negzero), 64);
	assert_int_equal(iap_ed25519_verify(sig, l.pub, msg, strlen(small_msg)),
			 IAP_ERR_CORRUPT);

	/* A valid signature with R replaced by a point off the curve. */
	assert_int_equal(verify(&l), 0);
	assert_int_equal(unhex(l.sig, 32, off_curve_0), 32);
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
	assert_int_equal(unhex(l.sig, 32, off_curve_1), 32);
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
	/* ... and by a non-canonical encoding of a curve point. */
	assert_int_equal(unhex(l.sig, 32, noncanon_large), 32);
	assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
}

static void test_a_encodings(void **state)
{
	static const char *const bad[] = {
		off_curve_0,
		off_curve_1,
		noncanon_large,
		/* x = 0 with the sign bit set */
		"01000000000000000000000000000000"
		"00000000000000000000000000000080",
		/* y = 2^255 - 1 = p + 18 */
		"ffffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffff7f",
	};
	struct iap_ed25519_verify v;
	struct loaded l;

	(void)state;
	load(&l, &rfc8032[0]);
	for (size_t i = 0; i < NELEM(bad); i++) {
		assert_int_equal(unhex(l.pub, 32, bad[i]), 32);
		assert_int_equal(verify(&l), IAP_ERR_INVAL);
		assert_int_equal(iap_ed25519_verify_init(&v, l.sig, l.pub),
				 IAP_ERR_INVAL);
	}
}

/*
 * Each signature here passes [S]B = R + [k]A: only the small-order check
 * on A (or, for the non-canonical ones, the encoding check) refuses it.
 */
static void test_small_order_keys(void **state)
{
	struct iap_ed25519_verify v;
	uint8_t pub[32], sig[64];

	(void)state;
	for (size_t i = 0; i < NELEM(small_order); i++) {
		print_message("%s\n", small_order[i].what);
		assert_int_equal(unhex(pub, sizeof(pub), small_order[i].pub),
				 32);
		assert_int_equal(unhex(sig, sizeof(sig), small_order[i].sig),
				 64);
		assert_int_equal(iap_ed25519_verify(sig, pub,
						    (const uint8_t *)small_msg,
						    strlen(small_msg)),
				 IAP_ERR_INVAL);
		assert_int_equal(iap_ed25519_verify_init(&v, sig, pub),
				 IAP_ERR_INVAL);
	}
}

static int verify_pieces(const struct loaded *l, uint32_t *x, size_t fixed)
{
	struct iap_ed25519_verify v;
	size_t off = 0;
	int err;

	err = iap_ed25519_verify_init(&v, l->sig, l->pub);
	if (err) {
		return err;
	}
	while (off < l->len) {
		size_t n = fixed ? fixed : rnd(x) % 200u;

		if (n > l->len - off) {
			n = l->len - off;
		}
		iap_ed25519_verify_update(&v, l->msg + off, n);
		off += n;
	}
	iap_ed25519_verify_update(&v, NULL, 0);
	return iap_ed25519_verify_final(&v);
}

/* Fixed and random piece sizes give what the one-shot gives. */
static void test_streaming(void **state)
{
	static const size_t sizes[] = {0, 1, 7, 64, 127, 128, 129, 1000};
	struct loaded l;
	uint32_t x = 8032;

	(void)state;
	for (size_t i = 0; i < NELEM(openssl_vectors) + NELEM(rfc8032); i++) {
		load(&l, i < NELEM(rfc8032)
				 ? &rfc8032[i]
				 : &openssl_vectors[i - NELEM(rfc8032)]);
		for (size_t s = 0; s < NELEM(sizes); s++) {
			assert_int_equal(verify_pieces(&l, &x, sizes[s]), 0);
		}
		if (l.len) {
			l.msg[l.len / 2] ^= 0x80;
			assert_int_equal(verify(&l), IAP_ERR_CORRUPT);
			assert_int_equal(verify_pieces(&l, &x, 0),
					 IAP_ERR_CORRUPT);
		}
	}
}

static void test_streaming_misuse(void **state)
{
	struct iap_ed25519_verify v;
	struct loaded l;

	(void)state;
	load(&l, &rfc8032[2]);
	/* A second final() without init() fails. */
	assert_int_equal(iap_ed25519_verify_init(&v, l.sig, l.pub), 0);
	iap_ed25519_verify_update(&v, l.msg, l.len);
	assert_int_equal(iap_ed25519_verify_final(&v), 0);
	assert_int_equal(iap_ed25519_verify_final(&v), IAP_ERR_INVAL);
	/* A failed init() sticks: update() is harmless, final() repeats it. */
	assert_int_equal(unhex(l.pub, 32, off_curve_0), 32);
	assert_int_equal(iap_ed25519_verify_init(&v, l.sig, l.pub),
			 IAP_ERR_INVAL);
	iap_ed25519_verify_update(&v, l.msg, l.len);
	assert_int_equal(iap_ed25519_verify_final(&v), IAP_ERR_INVAL);
	load(&l, &rfc8032[2]);
	add_order(&l.sig[32]);
	assert_int_equal(iap_ed25519_verify_init(&v, l.sig, l.pub),
			 IAP_ERR_CORRUPT);
	iap_ed25519_verify_update(&v, l.msg, l.len);
	assert_int_equal(iap_ed25519_verify_final(&v), IAP_ERR_CORRUPT);
}

static void test_null_args(void **state)
{
	struct iap_ed25519_verify v;
	struct loaded l;

	(void)state;
	load(&l, &rfc8032[1]);
	assert_int_equal(iap_ed25519_verify(NULL, l.pub, l.msg, l.len),
			 IAP_ERR_INVAL);
	assert_int_equal(iap_ed25519_verify(l.sig, NULL, l.msg, l.len),
			 IAP_ERR_INVAL);
	assert_int_equal(iap_ed25519_verify(l.sig, l.pub, NULL, 1),
			 IAP_ERR_INVAL);
	assert_int_equal(iap_ed25519_verify_init(NULL, l.sig, l.pub),
			 IAP_ERR_INVAL);
	assert_int_equal(iap_ed25519_verify_final(NULL), IAP_ERR_INVAL);
	iap_ed25519_verify_update(NULL, l.msg, l.len);
	assert_int_equal(iap_ed25519_verify_init(&v, NULL, l.pub),
			 IAP_ERR_INVAL);
	assert_int_equal(iap_ed25519_verify_final(&v), IAP_ERR_INVAL);
	/* The empty message may come as NULL. */
	load(&l, &rfc8032[0]);
	assert_int_equal(iap_ed25519_verify(l.sig, l.pub, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_openssl_vectors),
		cmocka_unit_test(test_every_bit_flipped),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_wrong_message),
		cmocka_unit_test(test_s_not_canonical),
		cmocka_unit_test(test_r_encodings),
		cmocka_unit_test(test_a_encodings),
		cmocka_unit_test(test_small_order_keys),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_streaming_misuse),
		cmocka_unit_test(test_null_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
